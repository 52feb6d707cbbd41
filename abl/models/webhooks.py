"""Webhooks (§16, docs/webhooks.md): where an organisation's system is told of events, the
events told, and each event's delivery to each endpoint."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class WebhookEndpoint(models.Model):
    """A URL of the bank's or a borrower's system that is sent the events it subscribes to,
    for the facilities its organisation may see (abl.access.organisation_sees).

    The secret signs every delivery (Standard Webhooks); it is shown once, when the endpoint is
    added, and kept here because every delivery needs it.
    """

    organisation = models.ForeignKey(
        "abl.Organisation", on_delete=models.PROTECT, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100)
    event_types = models.JSONField(default=list)
    description = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-active", "pk"]

    def __str__(self) -> str:
        return self.url

    def subscribes_to(self, event_type: str) -> bool:
        return event_type in self.event_types


class WebhookEvent(models.Model):
    """One event told to the endpoints: its type, facility and the body's `data`, as published.

    No facility: a test event an endpoint's owner sent to it.
    """

    type = models.CharField(max_length=50)
    facility = models.ForeignKey(
        "abl.Facility",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="webhook_events",
    )
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["facility", "created_at"], name="abl_webhook_facility")]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


class WebhookDelivery(models.Model):
    """One event sent to one endpoint: each attempt's answer, and when it is tried next."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    event = models.ForeignKey(WebhookEvent, on_delete=models.PROTECT, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_response_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="one_delivery_per_endpoint"),
            models.CheckConstraint(
                name="delivered_has_time",
                condition=~Q(status="delivered") | Q(delivered_at__isnull=False),
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="abl_webhook_due",
            ),
            models.Index(fields=["endpoint", "-id"], name="abl_webhook_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"
