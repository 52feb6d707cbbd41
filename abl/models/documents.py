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
