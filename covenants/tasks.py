"""Celery tasks of the covenants: thin, named, take ids, safe to run twice."""

from celery import shared_task
from django.db import OperationalError

import config.celery  # noqa: F401 - the configured app, current before any task is sent


@shared_task(name="covenants.send_covenant_email")
def send_covenant_email_task(event: str, subject_id: int) -> bool:
    """Email who must hear of a statement, capex request or breach case event; once."""
    from covenants.services import notifications

    return notifications.send_covenant_email(event=event, subject_id=subject_id) is not None


@shared_task(
    name="covenants.render_compliance_certificate",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def render_compliance_certificate_task(version_id: int) -> int:
    """Render the statement version's compliance certificate; the same record when run twice.

    Retried when the database is briefly unreachable (safe: rendering again stores nothing new).
    """
    from covenants.services import certificates

    return certificates.render_compliance_certificate(version_id=version_id).pk


@shared_task(
    name="covenants.render_accepted_certificate",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def render_accepted_certificate_task(version_id: int) -> int:
    """Render the accepted statement's certificate with the acceptance; the same record twice."""
    from covenants.services import certificates

    return certificates.render_accepted_certificate(version_id=version_id).pk
