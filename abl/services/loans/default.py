"""Events of default (§7; docs/loans.md): declared and cured by the bank (or a covenant
case, as the system); no advance is approved while a facility is in default."""

import datetime as dt

from django.db import transaction

from abl.audit import record
from abl.locks import lock_facility
from abl.models import Facility, Role, User
from abl.services.errors import LoanRefused


def _require_bank(user: User | None, what: str) -> None:
    if user is not None and user.role not in {Role.ANALYST, Role.ADMIN}:
        raise LoanRefused(f"Only the bank {what}.")


@transaction.atomic
def declare_event_of_default(
    *, facility: Facility, on: dt.date, reason: str, user: User | None
) -> Facility:
    """Put the facility in default from `on`: no advance is approved until it is cured.

    Already in default: nothing changes (a covenant case declaring again is harmless).
    `user` None is the system (a task).
    """
    facility = lock_facility(facility)
    _require_bank(user, "declares an event of default")
    if facility.in_default_since is not None:
        return facility
    facility.in_default_since = on
    facility.save(update_fields=["in_default_since"])
    record(
        actor=user,
        action="facility.default_declared",
        obj=facility,
        facility=facility,
        summary=f"Event of default declared from {on}: {reason}",
        changes={"in_default_since": on.isoformat(), "reason": reason},
    )
    return facility


@transaction.atomic
def cure_event_of_default(
    *, facility: Facility, on: dt.date, reason: str, user: User | None
) -> Facility:
    """End the default on `on` (cured or waived). Not in default: nothing changes."""
    facility = lock_facility(facility)
    _require_bank(user, "cures an event of default")
    if facility.in_default_since is None:
        return facility
    since = facility.in_default_since
    facility.in_default_since = None
    facility.save(update_fields=["in_default_since"])
    record(
        actor=user,
        action="facility.default_cured",
        obj=facility,
        facility=facility,
        summary=f"Event of default (since {since}) cured on {on}: {reason}",
        changes={"in_default_since": [since.isoformat(), None], "on": on.isoformat()},
    )
    return facility
