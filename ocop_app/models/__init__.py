"""All models, importable from one place."""

from .dossier import (DossierItem, ProductDossier, SelfAssessment, SelfAssessmentChoice, StoredFile,
                      UpgradeAction)
from .evaluation import (Criterion, CriterionOption, CouncilMember, CouncilRole, Disqualification, EvaluationRound,
                         RoundProduct, RoundStatus, ScoreChoice, ScoreSheet, SheetEvent, SheetGroup, SheetPart,
                         SheetSet, SheetStatus, SheetVersion)
from .products import Certificate, CertificateStatus, Producer, ProducerType, Product, StageEvent
from .training import CourseAttendee, TrainingCourse
from .plans import Plan, PlanMetric, PlanTarget
from .reports import ImportBatch
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
    "CourseAttendee",
    "District",
    "DossierItem",
    "ImportBatch",
    "Plan",
    "PlanMetric",
    "PlanTarget",
    "Producer",
    "ProducerType",
    "Product",
    "ProductDossier",
    "SelfAssessment",
    "SelfAssessmentChoice",
    "StageEvent",
    "StoredFile",
    "TrainingCourse",
    "UpgradeAction",
    "User",
]
