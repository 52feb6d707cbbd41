"""Live availability (§5, §7; docs/loans.md): how much the borrower may draw on a date.

`live_availability(facility, *, on=None)` is the one answer, read by every page, command,
task and the approval: the latest approved certificate's borrowing base, reserves and line
cap, the ledger's outstanding on `on`, the excess in dollars and percent, the reporting
frequency it implies and why, and whether the certificate is stale.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field, Model
from django.db.models.expressions import Col

from abl import business_date
from abl.calc import loans as rules
from abl.calc.frequency import Frequency
from abl.calc.money import ZERO
from abl.models import AdvanceRequest, Certificate, Computation, Facility, LedgerEntry, TermsVersion
from abl.services.loans.default import default_standing
from abl.services.loans.ledger import LedgerHead
from abl.services.terms import parsed_terms


@dataclass(frozen=True)
class LiveAvailability:
    """What the facility may draw on `on`; `figures` is None until a certificate is approved.

    `figures` counts the ledger's outstanding on `on`; `committed` every entry
    written, whatever its value date (an advance approved for a later day is
    already promised), and is what an approval is measured on. `head` is where
    the next entry goes. `requests_pending` sums the requests awaiting a decision
    (§7's requests in flight).
    """

    facility_id: int
    on: dt.date
    certificate: Certificate | None
    outstanding: Decimal
    head: LedgerHead
    figures: rules.Availability | None
    committed: rules.Availability | None
    current_until: dt.date | None
    maturity_date: dt.date | None
    in_default_since: dt.date | None
    requests_pending: Decimal = ZERO

    @property
    def excess_after_pending(self) -> Decimal | None:
        """Excess availability once every request awaiting a decision is approved, measured as
        an approval is (`committed`); None until a certificate is approved. Only shown: each
        approval is measured alone at the moment it is made."""
        if self.committed is None:
            return None
        return self.committed.excess_availability - self.requests_pending

    @property
    def stale(self) -> bool:
        return self.current_until is not None and self.on > self.current_until

    @property
    def reporting_frequency(self) -> str | None:
        return self.figures.reporting_frequency if self.figures else None

    @property
    def frequency_reason(self) -> str:
        if self.figures is None:
            return "No borrowing base certificate is approved yet."
        return self.figures.frequency_reason

    @property
    def matured(self) -> bool:
        return self.maturity_date is not None and self.on > self.maturity_date


# Everything live availability reads, in one hand-written query, kept by measurement
# (docs/performance.md, "Live availability and the request's lock"):
# - the sum of the advance requests awaiting a decision (in flight, §7);
# - the ledger's last entry, whose `balance_after` already sums every entry (the chain's
#   rule, checked by the database), and the sum of the entries valued after `on`: two index
#   lookups whatever the ledger's length;
# - the latest approved certificate as of `on`, newest first as `reporting.services.cadence
#   .read_all` orders (as_of, then reviewed_at), with its approved figures;
# - the facility's newest terms version and the frequency the reporting cadence has in
#   force (it keeps weekly through a cure period after the figures turn monthly), with the
#   day it took effect (a certificate stays current until the first certificate owed
#   after the switch falls due, §7).
# tests/abl/loans/test_live_availability.py checks it against read_all and balance_on.
_LIVE_SQL = """
SELECT head.seq, head.balance_after,
       (SELECT SUM(later.amount) FROM abl_ledgerentry later
         WHERE later.facility_id = %(facility)s AND later.value_date > %(on)s),
       (SELECT SUM(pending.amount) FROM abl_advancerequest pending
         WHERE pending.facility_id = %(facility)s AND pending.status = %(requested)s),
       certificate.id, certificate.as_of, approved.figures,
       terms.id, terms.created_at, cadence.frequency, cadence.since
  FROM abl_facility facility
  LEFT JOIN abl_ledgerentry head ON head.id = (
       SELECT entry.id FROM abl_ledgerentry entry
        WHERE entry.facility_id = %(facility)s ORDER BY entry.seq DESC LIMIT 1)
  LEFT JOIN abl_certificate certificate ON certificate.id = (
       SELECT candidate.id FROM abl_certificate candidate
        WHERE candidate.facility_id = %(facility)s AND candidate.status = %(approved)s
          AND candidate.as_of <= %(on)s
        ORDER BY candidate.as_of DESC, candidate.reviewed_at DESC LIMIT 1)
  LEFT JOIN abl_computation approved ON approved.id = certificate.approved_id
  LEFT JOIN abl_termsversion terms ON terms.id = (
       SELECT version.id FROM abl_termsversion version
        WHERE version.facility_id = %(facility)s ORDER BY version.version DESC LIMIT 1)
  LEFT JOIN reporting_cadence cadence ON cadence.facility_id = facility.id
 WHERE facility.id = %(facility)s
"""


class _LiveRow(NamedTuple):
    seq: int | None
    balance: Decimal | None
    later: Decimal | None
    pending: Decimal | None
    certificate_id: int | None
    as_of: dt.date | None
    figures: dict[str, str] | None
    terms_pk: int | None
    terms_created_at: dt.datetime | None
    frequency_in_force: Frequency | None
    frequency_since: dt.date | None


def _read_live(facility_id: int, on: dt.date) -> _LiveRow:
    """`_LIVE_SQL`'s row, each value converted as the ORM converts its column."""
    from reporting.models import Cadence

    columns = (
        _column(LedgerEntry, "seq"),
        _column(LedgerEntry, "balance_after"),
        _column(LedgerEntry, "amount"),
        _column(AdvanceRequest, "amount"),
        _column(Certificate, "id"),
        _column(Certificate, "as_of"),
        _column(Computation, "figures"),
        _column(TermsVersion, "id"),
        _column(TermsVersion, "created_at"),
        _column(Cadence, "frequency"),
        _column(Cadence, "since"),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _LIVE_SQL,
            {
                "facility": facility_id,
                "on": on,
                "approved": Certificate.Status.APPROVED,
                "requested": AdvanceRequest.Status.REQUESTED,
            },
        )
        row = cursor.fetchone()
    return _LiveRow(*_converted(row, columns))


def _converted(values: Sequence[Any], columns: Sequence[Col]) -> list[Any]:
    """Each value converted as the ORM converts its column (the backend's converters, then the
    field's)."""
    db = connections[DEFAULT_DB_ALIAS]  # once: `connection` looks its thread's up each time
    converted = []
    for value, col in zip(values, columns, strict=True):
        for convert in db.ops.get_db_converters(col) + col.get_db_converters(db):
            value = convert(value, col, db)
        converted.append(value)
    return converted


def _column(model: type[Model], name: str) -> Col:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return field.get_col(model._meta.db_table)


def live_availability(facility: Facility, *, on: dt.date | None = None) -> LiveAvailability:
    """The facility's availability on `on` (the business date when None); see the class."""
    on = on or business_date.today()
    row = _read_live(facility.pk, on)
    head = LedgerHead(row.seq or 0, row.balance or ZERO)
    outstanding, total = head.balance - (row.later or ZERO), head.balance
    certificate = None
    if row.certificate_id is not None:
        # Only what availability shows; the certificate's other fields load if asked for.
        certificate = Certificate.from_db(
            connection.alias,
            ["id", "facility_id", "as_of"],
            [row.certificate_id, facility.pk, row.as_of],
        )
    terms = None
    if row.terms_pk is not None and row.terms_created_at is not None:
        terms = parsed_terms([(row.terms_pk, row.terms_created_at)])[row.terms_pk]
    figures = committed = None
    current_until = None
    if terms is not None and certificate is not None and row.figures is not None:
        approved = row.figures
        commitment = terms.facility.commitment
        figures = rules.availability(
            borrowing_base=Decimal(approved["borrowing_base"]),
            reserves=Decimal(approved["reserves"]),
            line_cap=min(Decimal(approved["line_cap"]), commitment),
            commitment=commitment,
            outstanding=outstanding,
            basis=terms.reporting.basis,
            threshold_pct=terms.reporting.threshold_pct,
        )
        committed = figures.after(total - outstanding)
        current_until = rules.current_until(
            certificate.as_of,
            frequency=row.frequency_in_force or figures.reporting_frequency,
            rules=terms.reporting.due_rules,
            since=row.frequency_since,
        )
    standing = default_standing(facility, on=on)
    return LiveAvailability(
        facility_id=facility.pk,
        on=on,
        certificate=certificate,
        outstanding=outstanding,
        head=head,
        figures=figures,
        committed=committed,
        current_until=current_until,
        maturity_date=terms.facility.maturity_date if terms else None,
        in_default_since=standing.declared_on if standing is not None else None,
        requests_pending=row.pending or ZERO,
    )
