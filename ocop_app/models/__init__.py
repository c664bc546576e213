"""All models, importable from one place."""

from .products import Certificate, CertificateStatus, Producer, ProducerType, Product, StageEvent
from .units import AdminUnit, City, Commune, District
from .users import User

__all__ = [
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
