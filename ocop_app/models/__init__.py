"""All models, importable from one place."""

from .evaluation import (Criterion, CriterionOption, CouncilMember, CouncilRole, Disqualification, EvaluationRound,
                         RoundProduct, RoundStatus, ScoreChoice, ScoreSheet, SheetEvent, SheetGroup, SheetPart,
                         SheetSet, SheetStatus, SheetVersion)
from .products import Certificate, CertificateStatus, Producer, ProducerType, Product, StageEvent
from .units import AdminUnit, City, Commune, District
from .users import User

__all__ = [
    "CouncilMember",
    "CouncilRole",
    "Criterion",
    "CriterionOption",
    "Disqualification",
    "EvaluationRound",
    "RoundProduct",
    "RoundStatus",
    "ScoreChoice",
    "ScoreSheet",
    "SheetEvent",
    "SheetGroup",
    "SheetPart",
    "SheetSet",
    "SheetStatus",
    "SheetVersion",
    "AdminUnit",
    "Certificate",
    "CertificateStatus",
    "City",
    "Commune",
    "District",
    "Producer",
    "ProducerType",
    "Product",
    "StageEvent",
    "User",
]
