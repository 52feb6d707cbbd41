from abl.models.api import ApiToken, IdempotencyKey
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
from abl.models.defaults import DefaultEvent
from abl.models.documents import CertificateDocument, CertificateExport
from abl.models.facility import Facility, TermsVersion
from abl.models.fees import BaseRate, FeeCharge, FieldExam
from abl.models.loan_documents import ChecklistFile, ChecklistItem, TermsAcknowledgement
from abl.models.loans import AdvanceRequest, LedgerEntry
from abl.models.notification import AdvanceNotice, Notification
from abl.models.outbox import OutboxMessage
from abl.models.people import Organisation, Role, TwoFactorActivation, User
from abl.models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = [
    "AdvanceNotice",
    "AdvanceRequest",
    "ApiToken",
    "AuditEvent",
    "BaseRate",
    "Certificate",
    "CertificateDocument",
    "CertificateExport",
    "ChecklistFile",
    "ChecklistItem",
    "CollateralFile",
    "Computation",
    "CustomerLine",
    "DefaultEvent",
    "Facility",
    "FeeCharge",
    "FieldExam",
    "IdempotencyKey",
    "InventoryItem",
    "Invoice",
    "LedgerEntry",
    "Notification",
    "Organisation",
    "OutboxMessage",
    "Payable",
    "Role",
    "TermsAcknowledgement",
    "TermsVersion",
    "TwoFactorActivation",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]
