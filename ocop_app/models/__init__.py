"""All models, importable from one place."""

from .dossier import (DossierItem, ProductDossier, SelfAssessment, SelfAssessmentChoice, StoredFile,
                      UpgradeAction)
from .products import Certificate, CertificateStatus, Producer, ProducerType, Product, StageEvent
from .training import CourseAttendee, TrainingCourse
from .plans import Plan, PlanMetric, PlanTarget
from .reports import ImportBatch
from .units import AdminUnit, City, Commune, District
from .users import User

__all__ = [
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
