"""Arguments the operations commands share (§10): the user, the facility, amounts, dates.

Each refuses bad input with a CommandError naming the argument, so the command
exits non-zero with one line on stderr and changes nothing.
"""

import datetime as dt
from decimal import Decimal

from django.core.management.base import CommandError

from abl.access import facilities_for
from abl.calc.dates import date_problem
from abl.calc.money import from_cents
from abl.models import AdvanceRequest, Facility, User
from abl.readers import parse_amount, parse_date


def user_argument(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"--user: no active user named {username!r}")
    return user


def facility_argument(user: User, ref: str, *, may: str = "may see") -> Facility:
    """--facility: the terms file's id (e.g. innotrac-2003) or the number pages show.

    `may` says, in the refusal, what the user may not do with any other facility.
    """
    visible = facilities_for(user)
    facility = (
        visible.filter(pk=int(ref)).first()
        if ref.isascii() and ref.isdigit() and len(ref) < 19
        else visible.filter(slug=ref).first()
    )
    if facility is None:
        raise CommandError(f"--facility: no facility {ref!r} that {user.username} {may}")
    return facility


def id_argument(argument: str, text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) < 19):
        raise CommandError(f"{argument}: not an id: {text!r}")
    return int(text)


def advance_argument(user: User, text: str) -> AdvanceRequest:
    """--request: an advance request of a facility the user may see."""
    pk = id_argument("--request", text)
    advance = (
        AdvanceRequest.objects.select_related("facility")
        .filter(pk=pk, facility__in=facilities_for(user))
        .first()
    )
    if advance is None:
        raise CommandError(f"--request: no advance request {pk} that {user.username} may see")
    return advance


def amount_argument(argument: str, text: str) -> Decimal:
    """A positive amount, read by the one amount parser (as a file's amounts are)."""
    try:
        return from_cents(parse_amount(text, sign="positive"))
    except ValueError as error:
        raise CommandError(f"{argument}: {error}") from None


def date_argument(argument: str, text: str) -> dt.date:
    """A date, as a file's dates are read, within the dates ABL Desk handles."""
    try:
        value = parse_date(text)
    except ValueError as error:
        raise CommandError(f"{argument}: {error}") from None
    if problem := date_problem(value):
        raise CommandError(f"{argument}: {problem}")
    return value


def rate_argument(argument: str, text: str) -> Decimal:
    """A rate as a decimal fraction ('0.0425' is 4.25%): digits and one point, nothing else."""
    value = text.strip()
    whole, _, fraction = value.partition(".")
    digits = whole + fraction
    if not (digits.isascii() and digits.isdigit() and (whole or fraction) and len(digits) < 19):
        raise CommandError(f"{argument}: not a rate written as a decimal fraction: {text!r}")
    return Decimal(value if whole else "0" + value)
