"""python manage.py seed_demo: the Innotrac facility and one user per role, for the demo.

Safe to run again: it updates what exists. Refuses to run with DEBUG off,
because it sets well-known passwords, and gives the bank's users authenticator
apps with well-known keys (printed; `manage.py totp_code USER` shows the code).
"""

import datetime as dt
import hashlib
from base64 import b32encode
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from abl.business_date import today
from abl.models import BaseRate, ChecklistItem, LedgerEntry, Organisation, Role, User
from abl.services.fees import set_base_rate
from abl.services.loan_documents import request_item
from abl.services.loans import record_opening_balance
from abl.services.terms import load_facility_terms

EXAMPLES = Path(settings.BASE_DIR) / "examples" / "innotrac"
DEMO_PASSWORD = "abl-desk-demo"
DEMO_DEVICE = "Demo authenticator"
# The loans outstanding the samples' certificate (as of 2003-03-31) reports: the
# ledger opens with them on 2003-03-01, so the certificate's outstanding (the
# ledger's on its as-of date) is 5,000,000.00 and its excess availability 82.89%.
DEMO_OPENING_BALANCE = Decimal("5000000.00")
DEMO_OPENING_DATE = dt.date(2003, 3, 1)
# Prime as it stood in the letter's time (4.25% from 2002-11-07): the base rate
# series interest is worked on, so `post_fees --month 2003-03` works in the demo.
DEMO_PRIME = (dt.date(2002, 11, 7), Decimal("0.0425"))

# "We will provide a checklist for you showing the items we will need."
# (title, description, the application's record it follows, program): the consent and the
# acknowledgement show received as soon as the application records them.
DEMO_CHECKLIST = [
    (
        "Amended loan agreement, signed",
        "The revolving line of credit becomes an asset-based facility (letter of 2003-02-18).",
        ChecklistItem.Record.BY_HAND,
        "",
    ),
    (
        "BellSouth's consent",
        "Until it is received, BellSouth inventory is advanced at 50%, not 65%.",
        ChecklistItem.Record.CONSENT,
        "BELLSOUTH",
    ),
    (
        "The acknowledged letter",
        "A signed copy of the letter of 2003-02-18.",
        ChecklistItem.Record.ACKNOWLEDGEMENT,
        "",
    ),
]
DEMO_USERS = [
    # username, first, last, title, role, organisation (None = the bank)
    ("dgamsey", "David", "Gamsey", "Chief Financial Officer", Role.BORROWER, "borrower"),
    ("abl.analyst", "Avery", "Brooks", "ABL Analyst", Role.ANALYST, "bank"),
    ("abl.analyst2", "Morgan", "Reyes", "Senior ABL Analyst", Role.ANALYST, "bank"),
    (
        "njones",
        "Noble",
        "Jones",
        "Vice President, Corporate Banking",
        Role.RELATIONSHIP_MANAGER,
        "bank",
    ),
    ("admin", "Ada", "Admin", "Administrator", Role.ADMIN, "bank"),
]
# §7: an advance above its approver's limit needs a second analyst's approval.
DEMO_APPROVAL_LIMITS = {
    "abl.analyst": Decimal("5000000.00"),
    "abl.analyst2": Decimal("25000000.00"),
}


class Command(BaseCommand):
    help = "Load the Innotrac demo facility and create one user per role."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo sets well-known passwords; it runs only with DEBUG=1.")
        with transaction.atomic():
            version, _ = load_facility_terms(
                text=(EXAMPLES / "terms.yaml").read_text(encoding="utf-8"),
                actor=None,
                reason="Demo: the SouthTrust letter of 2003-02-18",
            )
            facility = version.facility
            orgs = {"bank": facility.lender, "borrower": facility.borrower}
            for username, first, last, title, role, org in DEMO_USERS:
                user = _upsert_user(username, first, last, title, role, orgs[org])
                if user.is_bank_staff:
                    _enrol(user)
                if role == Role.RELATIONSHIP_MANAGER:
                    facility.relationship_managers.add(user)
            if not BaseRate.objects.exists():
                set_base_rate(
                    actor=User.objects.get(username="abl.analyst"),
                    effective_date=DEMO_PRIME[0],
                    rate=DEMO_PRIME[1],
                    note="Demo: prime in the letter's time",
                )
            if not ChecklistItem.objects.filter(facility=facility).exists():
                for title, description, follows, program in DEMO_CHECKLIST:
                    request_item(
                        facility=facility,
                        title=title,
                        description=description,
                        follows=follows,
                        program=program,
                        actor=User.objects.get(username="abl.analyst"),
                    )
            if not LedgerEntry.objects.filter(facility=facility).exists():
                record_opening_balance(
                    facility=facility,
                    actor=None,
                    amount=DEMO_OPENING_BALANCE,
                    value_date=DEMO_OPENING_DATE,
                )
        self.stdout.write(
            self.style.SUCCESS(f"Demo facility: {facility} (terms v{version.version})")
        )
        self.stdout.write(f"Sample files: {EXAMPLES.relative_to(settings.BASE_DIR)}/")
        self.stdout.write(
            f"Loans outstanding: {DEMO_OPENING_BALANCE:,} from {DEMO_OPENING_DATE} (the ledger)"
        )
        self.stdout.write(
            f"Business date: {today()}"
            + (
                ""
                if settings.ABL_BUSINESS_DATE
                else " (the calendar date: ABL_BUSINESS_DATE is empty)"
            )
        )
        self.stdout.write(f"Log in at {settings.SITE_URL.rstrip('/')}/login/ as any of:")
        for username, first, last, _title, role, _org in DEMO_USERS:
            self.stdout.write(
                f"  {username:<12} {DEMO_PASSWORD}   {Role(role).label}: {first} {last}"
            )
        if not settings.ABL_TWO_FACTOR_REQUIRED:
            return
        self.stdout.write(
            "The bank's users then enter a code (two-factor authentication). Get it with\n"
            "  .venv/bin/python manage.py totp_code abl.analyst    (or abl.analyst2, njones, admin)\n"
            "or add the user's key to an authenticator app:"
        )
        for username, *_rest, role, _org in DEMO_USERS:
            if role != Role.BORROWER:
                self.stdout.write(f"  {username:<12} {demo_secret(username)}")
        self.stdout.write("dgamsey (a borrower) needs no code; a borrower may turn one on.")
        self.stdout.write(
            "These apps were set up by the demo. A bank user you add yourself sets one up\n"
            "with a one-time activation code from an administrator (their page under People, or\n"
            "  .venv/bin/python manage.py issue_two_factor_activation USERNAME --by admin "
            '--reason "first set-up")'
        )


def _upsert_user(
    username: str, first: str, last: str, title: str, role: str, org: Organisation
) -> User:
    user = User.objects.filter(username=username).first() or User(username=username)
    user.first_name, user.last_name, user.title = first, last, title
    user.email = f"{username}@example.com"
    user.role, user.organisation = role, org
    user.is_staff = user.is_superuser = role == Role.ADMIN
    user.approval_limit = DEMO_APPROVAL_LIMITS.get(username, Decimal("0.00"))
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def demo_key(username: str) -> str:
    """A fixed TOTP key per demo user (hex, as TOTPDevice stores it): as public as the password."""
    return hashlib.sha256(f"abl-desk-demo/{username}".encode()).hexdigest()[:40]


def demo_secret(username: str) -> str:
    """The same key as authenticator apps take it: base32."""
    return b32encode(bytes.fromhex(demo_key(username))).decode()


def _enrol(user: User) -> None:
    """The user's one authenticator: the demo's, confirmed, with no failures counted."""
    TOTPDevice.objects.filter(user=user).exclude(name=DEMO_DEVICE).delete()
    TOTPDevice.objects.update_or_create(
        user=user,
        name=DEMO_DEVICE,
        defaults={
            "key": demo_key(user.username),
            "confirmed": True,
            "throttling_failure_count": 0,
            "throttling_failure_timestamp": None,
        },
    )
