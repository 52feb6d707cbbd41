"""The loan documents both sides keep: the amendment checklist, and the borrower's
acknowledgement of each terms version."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from abl.models.facility import Facility, TermsVersion


class ChecklistItem(models.Model):
    """An item the bank needs for the amended loan documents ("a checklist … showing the items we
    will need"): requested, then received or waived, with its files and dates.

    An item the application itself records (`record`: a program's consent, the borrower's
    acknowledgement of terms) is not decided by hand: its status is read from that record
    (`abl.services.loan_documents.checklist_rows`), the one source of truth.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        RECEIVED = "received", "Received"
        WAIVED = "waived", "Waived"

    class Record(models.TextChoices):
        BY_HAND = "", "Kept by hand (marked received or waived)"
        CONSENT = "consent", "A program's consent, as recorded with the terms"
        ACKNOWLEDGEMENT = "acknowledgement", "The borrower's acknowledgement of the terms"

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="checklist")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_on = models.DateField(help_text="The business date it was requested")
    due_on = models.DateField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True, help_text="Received or waived, on")
    note = models.CharField(
        max_length=500, blank=True, help_text="Why waived, or what was received"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    record = models.CharField(
        max_length=20,
        choices=Record.choices,
        blank=True,
        default=Record.BY_HAND,
        help_text="The application's own record this item follows, if any",
    )
    program = models.CharField(
        max_length=50, blank=True, help_text="With a consent: the inventory program (BELLSOUTH)"
    )

    class Meta:
        ordering = ["facility", "status", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                name="checklist_program_with_consent",
                condition=(Q(record="consent") & ~Q(program=""))
                | (~Q(record="consent") & Q(program="")),
            ),
            models.CheckConstraint(
                name="checklist_recorded_items_not_decided_by_hand",
                condition=Q(record="") | Q(status="requested", decided_by__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"


class ChecklistFile(models.Model):
    """A file either side attached to a checklist item; kept with its SHA-256."""

    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="files")
    stored = models.FileField(upload_to="checklist/%Y/")
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_on = models.DateField(
        null=True, blank=True, help_text="The business date it was uploaded"
    )

    class Meta:
        ordering = ["item", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class TermsAcknowledgement(models.Model):
    """The borrower's acknowledgement of a terms version ("If you accept these terms, please
    acknowledge below"): who, when, and the hash of the version acknowledged. One per version."""

    terms_version = models.OneToOneField(
        TermsVersion, on_delete=models.PROTECT, related_name="acknowledgement"
    )
    sha256 = models.CharField(max_length=64, help_text="abl.services.loan_documents.terms_hash")
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(auto_now_add=True)
    acknowledged_on = models.DateField(
        null=True, blank=True, help_text="The business date it was acknowledged on"
    )

    def __str__(self) -> str:
        return f"{self.terms_version} acknowledged"
