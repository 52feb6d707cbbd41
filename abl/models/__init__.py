from abl.models.audit import AuditEvent
from abl.models.facility import Facility, TermsVersion
from abl.models.people import Organisation, Role, User

__all__ = ["AuditEvent", "Facility", "Organisation", "Role", "TermsVersion", "User"]
