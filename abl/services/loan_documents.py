"""The loan documents: the bank's amendment checklist, and the borrower's acknowledgement of terms.

The letter: "We will provide a checklist for you showing the items we will
need" and "If you accept these terms, please acknowledge below". An analyst
requests an item, either side attaches files to it, an analyst marks it
received or waives it (with a reason). A user of the facility's borrower
acknowledges a terms version: who, when and the hash of what they saw. Every
step is audited.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction

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

Status = ChecklistItem.Status


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
                terms_version=version, sha256=sha256, acknowledged_by=actor
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
    actor: User,
) -> ChecklistItem:
    _require_analyst(actor)
    if not title.strip():
        raise DocumentRefused("Name the item the bank needs.")
    lock_facility(facility)
    item = ChecklistItem.objects.create(
        facility=facility,
        title=title.strip(),
        description=description.strip(),
        due_on=due_on,
        requested_on=business_date.today(),
        requested_by=actor,
    )
    record(
        actor=actor,
        action="checklist.requested",
        obj=item,
        facility=facility,
        summary=f"Checklist item requested: {item.title}" + (f", due {due_on}" if due_on else ""),
        changes={"due_on": str(due_on) if due_on else None},
    )
    return item


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
            item=item, original_name=name, size=size, sha256=digest.hexdigest(), uploaded_by=actor
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
