"""All models, importable from one place."""

from .dossier import (DossierItem, ProductDossier, SelfAssessment, SelfAssessmentChoice, StoredFile,
                      UpgradeAction)
from .evaluation import (Criterion, CriterionOption, CouncilMember, CouncilRole, Disqualification, EvaluationRound,
                         RoundKind, RoundProduct, RoundStatus, ScoreChoice, ScoreSheet, SheetEvent, SheetGroup, SheetPart,
                         SheetSet, SheetStatus, SheetVersion)
from .training import CourseAttendee, TrainingCourse
from .plans import Plan, PlanMetric, PlanTarget
from .reports import ImportBatch
from .delegation import Delegation
from .notifications import Notification, OutboxEmail
from .products import (Certificate, CertificateStatus, Producer, ProducerType, Product, StageEvent,
                       certificates_valid_on)
from .reevaluation import Reevaluation, ReevaluationOutcome, ReevaluationStatus
from .units import AdminUnit, City, Commune, District, Relocation, UnitSuccession
from .users import AccountEvent, AccountReview, User

__all__ = [
    "AccountEvent",
    "AccountReview",
    "CouncilMember",
    "CouncilRole",
    "Criterion",
    "CriterionOption",
    "Disqualification",
    "EvaluationRound",
    "Reevaluation",
    "ReevaluationOutcome",
    "ReevaluationStatus",
    "RoundKind",
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
    "Delegation",
    "District",
    "Notification",
    "OutboxEmail",
    "Producer",
    "ProducerType",
    "Product",
    "Relocation",
    "StageEvent",
    "UnitSuccession",
    "User",
    "certificates_valid_on",
]
