"""Capex approval requests, breach cases and compliance certificates."""

from django.conf import settings
from django.db import models

from covenants.calc.engine import NAMES, TITLES

COVENANT_CHOICES = [(name, TITLES[name]) for name in NAMES]


class CapexRequest(models.Model):
    """The borrower asks the bank to approve capex beyond the year's basket."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    facility = models.ForeignKey(
        "abl.Facility", on_delete=models.PROTECT, related_name="capex_requests"
    )
    year = models.PositiveIntegerField(help_text="The fiscal year whose basket it raises")
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    reason = models.CharField(max_length=1000)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                name="capex_request_amount_positive", condition=models.Q(amount__gt=0)
            ),
            models.CheckConstraint(
                name="capex_request_not_decided_by_requester",
                condition=~models.Q(decided_by=models.F("requested_by")),
            ),
        ]

    def __str__(self) -> str:
        return f"Capex request {self.pk} ({self.year}) of {self.facility}"


class BreachCase(models.Model):
    """A covenant that failed on actual figures, open until an analyst resolves it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        WAIVED = "waived", "Waived"
        AMENDED = "amended", "Amended"
        DEFAULT = "default", "Event of default"

    facility = models.ForeignKey(
        "abl.Facility", on_delete=models.PROTECT, related_name="breach_cases"
    )
    statement = models.ForeignKey(
        "covenants.FinancialStatement", on_delete=models.PROTECT, related_name="breach_cases"
    )
    covenant = models.CharField(max_length=40, choices=COVENANT_CHOICES)
    opened_by_test = models.ForeignKey(
        "covenants.CovenantTest", on_delete=models.PROTECT, related_name="+"
    )
    required = models.CharField(max_length=40, help_text="As tested, for the record")
    actual = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(auto_now_add=True)
    opened_on = models.DateField(null=True, blank=True, help_text="The business date it was opened")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_on = models.DateField(
        null=True, blank=True, help_text="The business date it was resolved"
    )
    reason = models.CharField(max_length=1000, blank=True)
    # The signed waiver, kept with the case in the database (a file never outlives its row).
    document = models.BinaryField(blank=True, default=b"")
    document_name = models.CharField(max_length=255, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    amendment = models.ForeignKey(
        "abl.TermsVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    effective_from = models.DateField(null=True, blank=True)
    # The test whose figures the resolution was granted on (the statement's version then): a
    # restatement that fails worse opens a new case (covenants.services.testing).
    covered_test = models.ForeignKey(
        "covenants.CovenantTest", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "covenant"],
                condition=models.Q(status="open"),
                name="one_open_case_per_statement_covenant",
            )
        ]

    def __str__(self) -> str:
        return (
            f"Breach case {self.pk}: {self.get_covenant_display()} at {self.statement.period_end}"
        )


class ComplianceCertificate(models.Model):
    """The PDF of a statement version's covenant results; never changed, one per version.

    The database refuses UPDATE and DELETE of a row (migration 0002).
    """

    statement_version = models.OneToOneField(
        "covenants.StatementVersion", on_delete=models.PROTECT, related_name="certificate"
    )
    test = models.ForeignKey("covenants.CovenantTest", on_delete=models.PROTECT, related_name="+")
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    rendered_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Compliance certificate of {self.statement_version}"


class CovenantNotification(models.Model):
    """An email sent about a covenant object, once per object and event (a task run twice sends once)."""

    subject_type = models.CharField(max_length=40)
    subject_id = models.PositiveIntegerField()
    event = models.CharField(max_length=40)
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "event"], name="one_covenant_email_per_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event}: {self.subject_type} {self.subject_id}"


class AcceptedCertificate(models.Model):
    """The compliance certificate rendered again once the analyst accepted the statement: the
    same figures and certification, with the bank's acceptance. Never changed, one per certificate.

    The database refuses UPDATE and DELETE of a row (migration 0003).
    """

    certificate = models.OneToOneField(
        ComplianceCertificate, on_delete=models.PROTECT, related_name="accepted"
    )
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    rendered_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.certificate}, as accepted"
