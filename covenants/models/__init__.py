from covenants.models.cases import (
    BreachCase,
    CapexRequest,
    ComplianceCertificate,
    CovenantNotification,
)
from covenants.models.statements import CovenantTest, FinancialStatement, StatementVersion

__all__ = [
    "BreachCase",
    "CapexRequest",
    "ComplianceCertificate",
    "CovenantNotification",
    "CovenantTest",
    "FinancialStatement",
    "StatementVersion",
]
