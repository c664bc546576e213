"""All models, importable from one place."""

from .plans import Plan, PlanMetric, PlanTarget
from .products import Certificate, CertificateStatus, Producer, ProducerType, Product, StageEvent
from .reports import ImportBatch
from .units import AdminUnit, City, Commune, District
from .users import User

__all__ = [
    "AdminUnit",
    "Certificate",
    "CertificateStatus",
    "City",
    "Commune",
    "District",
    "ImportBatch",
    "Plan",
    "PlanMetric",
    "PlanTarget",
    "Producer",
    "ProducerType",
    "Product",
    "StageEvent",
    "User",
]
