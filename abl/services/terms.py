"""Loading and versioning a facility's terms. Every change is a new version, audited.

Loading a terms file, and the analyst's changes (reserves, a program's consent):
each a new version under the facility's lock, effective on the date given.
"""

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery

from abl import business_date
from abl.audit import record
from abl.calc.terms import (
    FacilityTerms,
    Reserve,
    TermsError,
    load_terms_yaml,
    parse_terms,
    terms_to_data,
    with_consent,
    with_reserves,
)
from abl.locks import lock_facility
from abl.models import Computation, Facility, Organisation, Role, TermsVersion, User
from abl.outbox import enqueue
from abl.services.errors import CertificateError


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": 1}} → {"a.b": 1}; lists of scalars stay whole, lists of mappings are indexed."""
    if isinstance(data, dict):
        rows: dict[str, Any] = {}
        for key, value in data.items():
            rows.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return rows
    if isinstance(data, list) and any(isinstance(item, dict) for item in data):
        rows = {}
        for index, item in enumerate(data):
            rows.update(flatten(item, f"{prefix}[{index}]"))
        return rows
    return {prefix: data}


def _differences(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    old, new = flatten(before), flatten(after)
    return {
        path: [old.get(path), new.get(path)]
        for path in sorted(old.keys() | new.keys())
        if old.get(path) != new.get(path)
    }


@transaction.atomic
def load_facility_terms(
    *,
    text: str,
    actor: User | None,
    reason: str,
    effective_date: dt.date | None = None,
) -> tuple[TermsVersion, bool]:
    """Store a YAML terms file as the facility's newest terms version.

    Creates the facility (and its lender and borrower) the first time. Loading
    terms identical to the newest version creates nothing and returns it with
    False. Raises abl.calc.terms.TermsError naming every bad key path.
    """
    terms = load_terms_yaml(text)
    facility = _facility_for(terms, actor=actor)
    if problems := _parties_problems(facility, terms):
        raise TermsError(problems)
    return create_terms_version(
        facility=facility,
        terms=terms,
        actor=actor,
        reason=reason,
        effective_date=effective_date,
        source_text=text,
    )


@transaction.atomic
def create_terms_version(
    *,
    facility: Facility,
    terms: FacilityTerms,
    actor: User | None,
    reason: str,
    effective_date: dt.date | None = None,
    source_text: str = "",
) -> tuple[TermsVersion, bool]:
    """Append a terms version (locking the facility so two writers never share a number)."""
    lock_facility(facility)
    latest = facility.terms_versions.order_by("-version").first()
    data = terms_to_data(terms)
    if (
        latest is not None
        and latest.data == data
        and effective_date in (None, latest.effective_date)
    ):
        return latest, False  # nothing changed: loading the same file twice adds nothing
    if effective_date is None:
        effective_date = terms.facility.terms_date if latest is None else business_date.today()
    version = TermsVersion.objects.create(
        facility=facility,
        version=latest.version + 1 if latest else 1,
        effective_date=effective_date,
        data=data,
        source_text=source_text,
        reason=reason,
        created_by=actor,
        recorded_on=business_date.today(),
    )
    changes = _differences(latest.data if latest else {}, data)
    record(
        actor=actor,
        action="terms.version_created",
        obj=version,
        facility=facility,
        summary=f"Terms v{version.version} of {facility} effective {effective_date}: {reason}",
        changes={"changed": len(changes), "differences": changes if latest else {}},
    )
    return version, True


def _parties_problems(facility: Facility, terms: FacilityTerms) -> list[str]:
    """A terms file for a facility that exists must name its lender and borrower: a version
    naming another borrower would show under this one's name."""
    problems = []
    for key, party in (("lender", facility.lender), ("borrower", facility.borrower)):
        named = getattr(terms.facility, key)
        if named != party.name:
            problems.append(
                f"facility.{key}: {named!r} is not the {key} of facility {facility.slug} "
                f"({party.name!r}); a facility's {key} does not change with its terms"
            )
    return problems


def _facility_for(terms: FacilityTerms, *, actor: User | None) -> Facility:
    kinds = {"lender": Organisation.Kind.BANK, "borrower": Organisation.Kind.BORROWER}
    wrong = [
        f"facility.{key}: {name!r} is a {other.get_kind_display().lower()}, not a {key}"
        for key, name in (("lender", terms.facility.lender), ("borrower", terms.facility.borrower))
        for other in Organisation.objects.filter(name=name).exclude(kind=kinds[key])
    ]
    if wrong:
        raise TermsError(wrong)
    lender, _ = Organisation.objects.get_or_create(
        name=terms.facility.lender, defaults={"kind": Organisation.Kind.BANK}
    )
    borrower, _ = Organisation.objects.get_or_create(
        name=terms.facility.borrower, defaults={"kind": Organisation.Kind.BORROWER}
    )
    facility, created = Facility.objects.get_or_create(
        slug=terms.facility.id,
        defaults={
            "name": f"{terms.facility.borrower} revolving facility",
            "lender": lender,
            "borrower": borrower,
        },
    )
    if created:
        record(
            actor=actor,
            action="facility.created",
            obj=facility,
            facility=facility,
            summary=f"Facility {facility.slug} created for {borrower} with {lender}",
        )
    return facility


@transaction.atomic
def _change_terms(
    *,
    facility: Facility,
    change: Callable[[FacilityTerms], FacilityTerms],
    actor: User,
    reason: str,
    effective_date: dt.date | None,
) -> None:
    """A new terms version made from the current one, under the facility's lock.

    The open certificates are recomputed by a task once this commits; an
    approved certificate keeps the figures it was approved with.
    """
    if actor.role != Role.ANALYST:
        raise CertificateError("Only an ABL analyst changes a facility's reserves or consents.")
    today = business_date.today()
    effective_date = effective_date or today
    if effective_date > today:
        raise CertificateError(
            f"A change cannot take effect on {effective_date}, after today's business date {today}."
        )
    lock_facility(facility)
    create_terms_version(
        facility=facility,
        terms=change(current_facility_terms(facility)),
        actor=actor,
        reason=reason,
        effective_date=effective_date,
    )
    from abl.tasks import recompute_open_certificates_task

    enqueue(recompute_open_certificates_task, facility.pk, actor.pk, reason)


def current_facility_terms(facility: Facility) -> FacilityTerms:
    version = facility.current_terms()
    if version is None:
        raise CertificateError("The facility has no terms loaded.")
    return parsed_version(version)


# --- The parsed terms, once per version ----------------------------------------------------

TermsKey = tuple[int, dt.datetime]
"""A terms version's key: its id and creation time. A version never changes once written;
the time is in the key so that an id used again (a test database emptied and refilled) is
never taken for another version."""

PARSED_TERMS_KEPT = 512
_parsed: OrderedDict[TermsKey, FacilityTerms] = OrderedDict()  # least recently used first
_parsed_lock = threading.Lock()


def parsed_terms(keys: Iterable[TermsKey]) -> dict[int, FacilityTerms]:
    """The terms versions of `keys` parsed, by id: one query for those not parsed yet.

    The one cache of parsed terms: the most recently used PARSED_TERMS_KEPT versions are
    kept in the process, so a version is parsed once while it is in use.
    """
    wanted = set(keys)
    found = {key: terms for key in wanted if (terms := _kept(key)) is not None}
    missing = wanted - found.keys()
    if missing:
        versions = TermsVersion.objects.filter(pk__in=[pk for pk, _ in missing])
        for pk, created_at, data in versions.values_list("pk", "created_at", "data"):
            if (pk, created_at) in missing:
                found[(pk, created_at)] = _keep((pk, created_at), parse_terms(data))
    return {pk: found[(pk, created_at)] for pk, created_at in wanted}


def parsed_version(version: TermsVersion) -> FacilityTerms:
    """`version` parsed, through the same cache as `parsed_terms` (its data is at hand)."""
    key = (version.pk, version.created_at)
    terms = _kept(key)
    return terms if terms is not None else _keep(key, parse_terms(version.data))


def computation_terms(computation: Computation) -> FacilityTerms:
    """The terms a computation was made under, parsed, through the same cache: a computation
    stores its version's data as it was (`inputs["terms"]`), and a version never changes."""
    return parsed_version(computation.terms_version)


def _kept(key: TermsKey) -> FacilityTerms | None:
    with _parsed_lock:
        terms = _parsed.get(key)
        if terms is not None:
            _parsed.move_to_end(key)
        return terms


def _keep(key: TermsKey, terms: FacilityTerms) -> FacilityTerms:
    with _parsed_lock:
        _parsed[key] = terms
        _parsed.move_to_end(key)
        while len(_parsed) > PARSED_TERMS_KEPT:
            _parsed.popitem(last=False)
    return terms


def newest_terms(facilities: Iterable[Facility]) -> dict[int, FacilityTerms]:
    """Each facility's newest terms version, parsed (`parsed_terms`), by facility id; a
    facility with no terms is left out."""
    newest = TermsVersion.objects.filter(facility=OuterRef("pk")).order_by("-version")
    rows = (
        Facility.objects.filter(pk__in=[f.pk for f in facilities])
        .annotate(
            terms_pk=Subquery(newest.values("pk")[:1]),
            terms_created_at=Subquery(newest.values("created_at")[:1]),
        )
        .values_list("pk", "terms_pk", "terms_created_at")
    )
    keys = {pk: (terms_pk, created_at) for pk, terms_pk, created_at in rows if terms_pk}
    parsed = parsed_terms(keys.values())
    return {pk: parsed[terms_pk] for pk, (terms_pk, _) in keys.items()}


def facility_terms(facility: Facility) -> FacilityTerms | None:
    """The facility's newest terms, parsed (`parsed_terms`), or None when it has none."""
    key = facility.terms_versions.order_by("-version").values_list("pk", "created_at").first()
    return parsed_terms([key])[key[0]] if key is not None else None


def set_reserves(
    *,
    facility: Facility,
    reserves: list[Reserve],
    actor: User,
    reason: str,
    effective_date: dt.date | None = None,
) -> None:
    """Replace the facility's reserves: a new terms version, then open certificates recomputed.

    The version takes effect on `effective_date` (the business date when not given).
    """
    if not reason.strip():
        raise CertificateError("A reason is required for every reserve change.")
    _change_terms(
        facility=facility,
        change=lambda terms: with_reserves(terms, reserves),
        actor=actor,
        reason=reason.strip(),
        effective_date=effective_date,
    )


def record_consent(
    *,
    facility: Facility,
    program: str,
    received: bool,
    actor: User,
    reason: str,
    effective_date: dt.date | None = None,
) -> None:
    """Record a program's consent (received or withdrawn) as of the consent's own date."""
    state = "received" if received else "withdrawn"
    _change_terms(
        facility=facility,
        change=lambda terms: with_consent(terms, program, received),
        actor=actor,
        reason=reason.strip() or f"{program} consent {state}",
        effective_date=effective_date,
    )
