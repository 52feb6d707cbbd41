from abl.models.audit import AuditEvent
from abl.models.certificate import (
    Certificate,
    CollateralFile,
    Computation,
    CustomerLine,
    InventoryItem,
    Invoice,
    Payable,
)
from abl.models.facility import Facility, TermsVersion
from abl.models.notification import Notification
from abl.models.people import Organisation, Role, User

__all__ = [
    "AuditEvent",
    "Certificate",
    "CollateralFile",
    "Computation",
    "CustomerLine",
    "Facility",
    "InventoryItem",
    "Invoice",
    "Notification",
    "Organisation",
    "Payable",
    "Role",
    "TermsVersion",
    "User",
]
