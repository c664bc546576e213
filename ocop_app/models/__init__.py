"""All models, importable from one place."""

from .delegation import Delegation
from .notifications import Notification, OutboxEmail
from .products import (Certificate, CertificateStatus, Producer, ProducerType, Product, StageEvent,
                       certificates_valid_on)
from .units import AdminUnit, City, Commune, District, Relocation, UnitSuccession
from .users import User

__all__ = [
    "AdminUnit",
    "Certificate",
    "CertificateStatus",
    "City",
    "Commune",
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
