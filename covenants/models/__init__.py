from covenants.models.cases import (
    AcceptedCertificate,
    BreachCase,
    CapexRequest,
    ComplianceCertificate,
    CovenantNotification,
)
from covenants.models.statements import CovenantTest, FinancialStatement, StatementVersion

__all__ = [
    "AcceptedCertificate",
    "BreachCase",
    "CapexRequest",
    "ComplianceCertificate",
    "CovenantNotification",
    "CovenantTest",
    "FinancialStatement",
    "StatementVersion",
]
