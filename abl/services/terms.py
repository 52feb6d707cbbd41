"""Loading and versioning a facility's terms. Every change is a new version, audited."""

import datetime as dt
from typing import Any

from django.db import transaction

from abl import business_date
from abl.audit import record
from abl.calc.terms import FacilityTerms, load_terms_yaml, terms_to_data
from abl.models import Facility, Organisation, TermsVersion, User


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
    Facility.objects.select_for_update().get(pk=facility.pk)
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


def _facility_for(terms: FacilityTerms, *, actor: User | None) -> Facility:
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
