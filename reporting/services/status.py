"""A facility's status on a business date: availability, reporting frequency and what is due next.

One answer for `manage.py facility_status --json` (§10) and the home pages'
"what is due next" and "reporting frequency and why": live availability from
the loan ledger and the latest approved certificate (abl/services/loans/),
the frequency in force (its last switch on or before the date: the cure period counted),
and what is due next (reporting/services/next_due.py: the one rule, §6).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from abl import business_date
from abl.calc.due import Due
from abl.calc.money import cents, pct_display
from abl.models import Facility
from reporting.models import Cadence, DueItem, FrequencySwitch
from reporting.services.next_due import next_dues


@dataclass(frozen=True)
class FacilityStatus:
    facility: Facility
    on: dt.date
    live: Any  # abl.services.loans.LiveAvailability
    last_switch: FrequencySwitch | None
    next_certificate: Due | None
    next_financials: Due | None

    @property
    def reporting_frequency(self) -> str | None:
        """The frequency in force on `on`: the last switch's, else what the figures imply."""
        if self.last_switch is not None:
            return self.last_switch.to_frequency
        frequency: str | None = self.live.reporting_frequency
        return frequency

    @property
    def frequency_since(self) -> dt.date | None:
        """The date of the last switch on or before `on` (the first frequency counts as one)."""
        return self.last_switch.on if self.last_switch is not None else None

    @property
    def certificate_stale(self) -> bool:
        """No approved certificate, or the latest is stale (§7): advances wait for a new one."""
        return self.live.certificate is None or bool(self.live.stale)

    @property
    def next_certificate_due(self) -> dt.date | None:
        """The next certificate owed and not received (§6); None before the calendar starts."""
        return self.next_certificate.due_on if self.next_certificate is not None else None

    @property
    def next_financials_due(self) -> dt.date | None:
        return self.next_financials.due_on if self.next_financials is not None else None

    def as_json(self) -> dict[str, Any]:
        """The §10 object: money as two-decimal strings, the percentage as a fraction to 4 places."""
        figures = self.live.figures

        def money(name: str) -> str | None:
            return str(cents(getattr(figures, name))) if figures is not None else None

        return {
            "facility": self.facility.slug,
            "on": self.on.isoformat(),
            "borrowing_base": money("borrowing_base"),
            "reserves": money("reserves"),
            "line_cap": money("line_cap"),
            "outstanding": str(cents(self.live.outstanding)),
            "excess_availability": money("excess_availability"),
            "excess_availability_pct": str(pct_display(figures.excess_availability_pct))
            if figures is not None
            else None,
            "reporting_frequency": self.reporting_frequency,
            "frequency_since": _iso(self.frequency_since),
            "next_certificate_due": _iso(self.next_certificate_due),
            "next_financials_due": _iso(self.next_financials_due),
            "certificate_stale": self.certificate_stale,
            "requests_pending": str(cents(self.live.requests_pending)),
            "excess_availability_after_pending": str(cents(self.live.excess_after_pending))
            if self.live.excess_after_pending is not None
            else None,
            "in_default": self.live.in_default_since is not None,
        }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def facility_status(facility: Facility, *, on: dt.date | None = None) -> FacilityStatus:
    """The facility's status on `on` (the business date when None)."""
    from abl.services.loans import live_availability

    on = on or business_date.today()
    due = next_dues([facility.pk], on=on)[facility.pk]
    return FacilityStatus(
        facility=facility,
        on=on,
        live=live_availability(facility, on=on),
        last_switch=FrequencySwitch.objects.filter(facility=facility, on__lte=on).first(),
        next_certificate=due.certificate,
        next_financials=due.financials,
    )


@dataclass(frozen=True)
class Summary:
    """One line of a home page: the frequency in force and why, what is due next, what is overdue."""

    facility: Facility
    cadence: Cadence | None
    threshold_pct: Any  # Decimal | None: of the last switch
    cure_days: int
    next_certificate: Due | None
    next_financials: Due | None
    overdue: int

    @property
    def why(self) -> str:
        """The last measure against the line, e.g. "excess availability 14.99% is not above 15.00%"."""
        cadence = self.cadence
        if cadence is None or self.threshold_pct is None:
            return "No borrowing base certificate approved yet."
        pct = pct_display(cadence.excess_availability_pct) * 100
        line = pct_display(self.threshold_pct) * 100
        above = cadence.excess_availability_pct > self.threshold_pct
        text = f"excess availability {pct:.2f}% is {'above' if above else 'not above'} "
        text += f"{line:.2f}% (figures of {cadence.measured_on})"
        if cadence.above_since is not None:
            ends = cadence.above_since + dt.timedelta(days=self.cure_days)
            text += f"; above since {cadence.above_since}: monthly from {ends} if it stays above"
        return text[0].upper() + text[1:] + "."


def summaries(facilities: list[Facility], *, on: dt.date) -> list[Summary]:
    """The home page lines of these facilities, in a fixed number of queries."""
    ids = [f.pk for f in facilities]
    cadences = {c.facility_id: c for c in Cadence.objects.filter(facility_id__in=ids)}
    lines: dict[int, tuple[Any, int]] = {}
    for facility_id, threshold, cure_days in FrequencySwitch.objects.filter(
        facility_id__in=ids
    ).values_list("facility_id", "threshold_pct", "cure_days"):
        lines.setdefault(facility_id, (threshold, cure_days))  # the newest first (Meta.ordering)
    due = next_dues(ids, on=on, cadences=cadences)
    overdue: dict[int, int] = {}
    for item in DueItem.objects.open().filter(facility_id__in=ids, due_on__lt=on):
        if item.is_overdue(on):
            overdue[item.facility_id] = overdue.get(item.facility_id, 0) + 1
    return [
        Summary(
            facility=f,
            cadence=cadences.get(f.pk),
            threshold_pct=lines.get(f.pk, (None, 0))[0],
            cure_days=lines.get(f.pk, (None, 0))[1],
            next_certificate=due[f.pk].certificate,
            next_financials=due[f.pk].financials,
            overdue=overdue.get(f.pk, 0),
        )
        for f in facilities
    ]
