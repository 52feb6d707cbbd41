"""The loan documents: the bank's amendment checklist, and the borrower's acknowledgement of terms.

The letter: "We will provide a checklist for you showing the items we will
need" and "If you accept these terms, please acknowledge below". An analyst
requests an item, either side attaches files to it, an analyst marks it
received or waives it (with a reason). A user of the facility's borrower
acknowledges a terms version: who, when and the hash of what they saw. Every
step is audited.

Items the application records itself follow that record, the one source of truth
(`checklist_rows`): a program's consent is received with the terms version that
recorded it (its date and who), the acknowledged letter with the borrower's first
acknowledgement of the terms. Nobody marks them by hand.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from abl import business_date
from abl.access import may_report
from abl.audit import record
from abl.locks import lock_facility
from abl.models import (
    ChecklistFile,
    ChecklistItem,
    Facility,
    Role,
    TermsAcknowledgement,
    TermsVersion,
    User,
)
from abl.services.collateral import files_kept_only_on_success, keep_only_on_success
from abl.services.errors import DocumentRefused
from abl.services.terms import facility_terms, parsed_version

Status = ChecklistItem.Status
Record = ChecklistItem.Record


def terms_hash(version: TermsVersion) -> str:
    """The SHA-256 of a terms version's content (its terms as stored, keys in order)."""
    canonical = json.dumps(version.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def awaiting_acknowledgement(facilities: Iterable[Facility]) -> list[TermsVersion]:
    """Of each facility, the newest terms version its borrower has not acknowledged (one query)."""
    newest: dict[int, TermsVersion] = {}
    versions = TermsVersion.objects.filter(
        facility__in=list(facilities), acknowledgement__isnull=True
    ).select_related("facility")
    for version in versions.order_by("facility_id", "-version"):
        newest.setdefault(version.facility_id, version)
    return list(newest.values())


def acknowledge_terms(*, version: TermsVersion, sha256: str, actor: User) -> TermsAcknowledgement:
    """The borrower acknowledges the version it was shown (`sha256` is what it saw)."""
    if not may_report(actor, version.facility):
        raise DocumentRefused("Only a user of the borrower acknowledges its terms.")
    if sha256 != terms_hash(version):
        raise DocumentRefused(
            f"Terms version {version.version} is not what was shown; read it again before "
            "acknowledging."
        )
    try:
        with transaction.atomic():
            lock_facility(version.facility_id)
            TermsVersion.objects.select_for_update().get(pk=version.pk)
            acknowledgement = TermsAcknowledgement.objects.create(
                terms_version=version,
                sha256=sha256,
                acknowledged_by=actor,
                acknowledged_on=business_date.today(),
            )
            record(
                actor=actor,
                action="terms.acknowledged",
                obj=version,
                facility=version.facility,
                summary=f"Terms version {version.version} acknowledged by "
                f"{actor.get_full_name() or actor.username}",
                changes={"version": version.version, "sha256": sha256},
            )
    except IntegrityError:  # acknowledged already, perhaps a moment ago in another tab
        return TermsAcknowledgement.objects.get(terms_version=version)
    return acknowledgement


def _require_analyst(actor: User) -> None:
    if actor.role != Role.ANALYST:
        raise DocumentRefused("Only an ABL analyst keeps the checklist.")


@transaction.atomic
def request_item(
    *,
    facility: Facility,
    title: str,
    description: str = "",
    due_on: dt.date | None = None,
    follows: str = Record.BY_HAND,
    program: str = "",
    actor: User,
) -> ChecklistItem:
    """An analyst asks for an item; `follows` links it to what the application records itself
    (a program's consent, named by `program`; the acknowledgement of the terms)."""
    _require_analyst(actor)
    if not title.strip():
        raise DocumentRefused("Name the item the bank needs.")
    lock_facility(facility)
    program = _linked_program(facility, follows, program)
    item = ChecklistItem.objects.create(
        facility=facility,
        title=title.strip(),
        description=description.strip(),
        due_on=due_on,
        requested_on=business_date.today(),
        requested_by=actor,
        record=follows,
        program=program,
    )
    record(
        actor=actor,
        action="checklist.requested",
        obj=item,
        facility=facility,
        summary=f"Checklist item requested: {item.title}" + (f", due {due_on}" if due_on else ""),
        changes={
            "due_on": str(due_on) if due_on else None,
            "follows": follows,
            "program": program,
        },
    )
    return item


def _linked_program(facility: Facility, follows: str, program: str) -> str:
    """The program a consent item follows, checked against the facility's terms ("" otherwise)."""
    if follows not in Record.values:
        raise DocumentRefused(f"Follows: {follows!r} is not one of the application's records.")
    if follows != Record.CONSENT:
        if program.strip():
            raise DocumentRefused("Program: only a consent item names a program.")
        return ""
    program = program.strip().upper()
    terms = facility_terms(facility)
    programs = terms.inventory.programs if terms is not None else {}
    needing = sorted(name for name, p in programs.items() if p.requires_consent)
    if program not in needing:
        raise DocumentRefused(
            f"Program: {program or 'none given'} is not a program of this facility's terms that "
            f"needs consent (those that do: {', '.join(needing) or 'none'})."
        )
    return program


def attach_file(*, item: ChecklistItem, upload: File, actor: User) -> ChecklistFile:
    """Either side attaches a file to an item; a refused or failed one leaves no bytes behind."""
    with files_kept_only_on_success(), transaction.atomic():
        lock_facility(item.facility_id)
        item = ChecklistItem.objects.select_for_update().get(pk=item.pk)
        if not (may_report(actor, item.facility) or actor.role == Role.ANALYST):
            raise DocumentRefused(
                "Only the borrower or an ABL analyst attaches files to the checklist."
            )
        size = upload.size or 0
        name = Path(upload.name or "file").name[:255]
        if size == 0:
            raise DocumentRefused(f"{name} is empty.")
        if size > settings.ABL_UPLOAD_MAX_BYTES:
            limit = settings.ABL_UPLOAD_MAX_BYTES
            raise DocumentRefused(f"{name} is {size:,} bytes; the limit is {limit:,}.")
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        attached = ChecklistFile(
            item=item,
            original_name=name,
            size=size,
            sha256=digest.hexdigest(),
            uploaded_by=actor,
            uploaded_on=business_date.today(),
        )
        attached.stored.save(digest.hexdigest()[:16], upload, save=False)
        keep_only_on_success(attached.stored)
        attached.save()
        record(
            actor=actor,
            action="checklist.file_attached",
            obj=item,
            facility=item.facility,
            summary=f"{name} ({size:,} bytes) attached to “{item.title}”",
            changes={"sha256": attached.sha256, "file": attached.pk},
        )
        return attached


@transaction.atomic
def decide_item(*, item: ChecklistItem, status: str, note: str = "", actor: User) -> ChecklistItem:
    """An analyst marks an item received or waives it (a waiver needs its reason)."""
    _require_analyst(actor)
    lock_facility(item.facility_id)
    item = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    if item.record:
        raise DocumentRefused(
            f"“{item.title}” follows {item.get_record_display().lower()}: it shows received "
            "as soon as the application records it, and is not marked by hand."
        )
    if status not in (Status.RECEIVED, Status.WAIVED):
        raise DocumentRefused("An item is marked received or waived.")
    if item.status != Status.REQUESTED:
        raise DocumentRefused(f"“{item.title}” is already {item.get_status_display().lower()}.")
    if status == Status.WAIVED and not note.strip():
        raise DocumentRefused("Say why the item is waived.")
    item.status, item.note = status, note.strip()
    item.decided_on, item.decided_by = business_date.today(), actor
    item.save()
    record(
        actor=actor,
        action=f"checklist.{status}",
        obj=item,
        facility=item.facility,
        summary=f"Checklist item “{item.title}” {item.get_status_display().lower()}"
        + (f": {item.note}" if item.note else ""),
    )
    return item


# --- The checklist as shown -----------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistRow:
    """An item as the checklist shows it: by hand, its own status; otherwise its record's."""

    item: ChecklistItem
    status: str
    on: dt.date | None
    by: User | None
    note: str

    @property
    def status_label(self) -> str:
        return Status(self.status).label


def checklist_rows(facility: Facility) -> list[ChecklistRow]:
    """The facility's checklist, each item with the status the page shows."""
    items = list(
        ChecklistItem.objects.filter(facility=facility)
        .select_related("requested_by", "decided_by")
        .prefetch_related("files__uploaded_by")
    )
    consents = _consents(facility, {i.program for i in items if i.record == Record.CONSENT})
    acknowledged = (
        _first_acknowledgement(facility)
        if any(i.record == Record.ACKNOWLEDGEMENT for i in items)
        else None
    )
    rows = []
    for item in items:
        if item.record == Record.CONSENT and (version := consents.get(item.program)):
            rows.append(
                ChecklistRow(
                    item,
                    Status.RECEIVED,
                    version.effective_date,
                    version.created_by,
                    f"Recorded with terms version {version.version}: {version.reason}",
                )
            )
        elif item.record == Record.ACKNOWLEDGEMENT and acknowledged is not None:
            on = acknowledged.acknowledged_on or timezone.localdate(acknowledged.acknowledged_at)
            rows.append(
                ChecklistRow(
                    item,
                    Status.RECEIVED,
                    on,
                    acknowledged.acknowledged_by,
                    f"Terms version {acknowledged.terms_version.version} acknowledged "
                    f"(SHA-256 {acknowledged.sha256[:16]}…)",
                )
            )
        else:
            rows.append(
                ChecklistRow(item, item.status, item.decided_on, item.decided_by, item.note)
            )
    return rows


def _consents(facility: Facility, programs: set[str]) -> dict[str, TermsVersion]:
    """Of each program whose consent the newest terms have received, the terms version that
    recorded it (the first of the versions since the consent was last not received)."""
    if not programs:
        return {}
    since: dict[str, TermsVersion] = {}
    versions = facility.terms_versions.order_by("version").select_related("created_by")
    for version in versions:
        terms = parsed_version(version)
        for program in programs:
            found = terms.inventory.programs.get(program)
            if found is None or not found.consent_received:
                since.pop(program, None)
            else:
                since.setdefault(program, version)
    return since


def _first_acknowledgement(facility: Facility) -> TermsAcknowledgement | None:
    return (
        TermsAcknowledgement.objects.filter(terms_version__facility=facility)
        .select_related("acknowledged_by", "terms_version")
        .order_by("acknowledged_at", "pk")
        .first()
    )
