from django.db import models

from abl.models.certificate import Certificate, Computation


class CertificateDocument(models.Model):
    """The PDF of a borrowing base certificate in one state of its life; never changed.

    Rendered when the certificate is submitted (marked DRAFT) and again when it
    is approved, from the computation of that state: one row per certificate,
    state and computation (rendering again for the same state makes none). The
    database refuses UPDATE and DELETE of a row (migration 0017).
    """

    class State(models.TextChoices):
        SUBMITTED = "submitted", "Submitted (draft until approved)"
        APPROVED = "approved", "Approved"

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="documents")
    computation = models.ForeignKey(Computation, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices)
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    rendered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "state", "computation"], name="one_document_per_state"
            )
        ]

    def __str__(self) -> str:
        return f"Certificate {self.certificate_id} PDF ({self.state})"


class CertificateExport(models.Model):
    """A computation's full detail as one XLSX (abl/exports.py), built once by a worker and kept.

    A computation never changes, so neither does its spreadsheet: one row per
    computation (unique), its file stored once under a name of its own
    (`exports/computation-<id>.xlsx`). The build is claimed like a collateral
    file's processing: an attempt number and a heartbeat, so a worker killed
    mid-export leaves a claim that goes stale and is taken over
    (abl/services/exports.py).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        BUILDING = "building", "Being written"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="exports")
    computation = models.OneToOneField(Computation, on_delete=models.PROTECT, related_name="export")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    rows_written = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    stored = models.FileField(upload_to="exports/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    problem = models.TextField(blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="ready") | ~models.Q(stored=""),
                name="a_ready_export_has_its_file",
            )
        ]

    def __str__(self) -> str:
        return f"Certificate {self.certificate_id} XLSX of computation {self.computation_id}"

    @property
    def available(self) -> bool:
        """Ready, and its file is in storage (a file lost from storage is written again)."""
        return self.status == self.Status.READY and self.stored.storage.exists(self.stored.name)

    @property
    def percent(self) -> int:
        """How far the worker has written, 0–100, for the progress bar."""
        if self.status == self.Status.READY:
            return 100
        return min(99, self.rows_written * 100 // self.rows_total) if self.rows_total else 0
