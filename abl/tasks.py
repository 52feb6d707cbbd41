"""Celery tasks: thin, named, take ids, safe to run twice."""

from celery import Task, shared_task
from django.conf import settings
from django.db import OperationalError

import config.celery  # noqa: F401 - the configured app, current before any task is sent
from abl.services import audit, system
from abl.services.processing import acceptance, claims, sweep


@shared_task(name="abl.ping_worker")
def ping_worker(user_id: int | None, token: str) -> str:
    """Prove a worker is alive by writing to the database; the same token twice writes once."""
    system.record_worker_ping(user_id=user_id, token=token)
    return token


@shared_task(name="abl.process_collateral_file", bind=True, max_retries=None)
def process_collateral_file_task(self: Task, file_id: int) -> str:
    """Process one uploaded file; its draft is recomputed once nothing else is pending.

    Given back by a worker that died while another claim on the file is still
    live, it waits until that claim would have gone stale, then tries again.
    """
    outcome = acceptance.process_collateral_file(file_id=file_id)
    if outcome is claims.Outcome.BUSY and not self.request.is_eager:
        raise self.retry(countdown=settings.ABL_FILE_CLAIM_TIMEOUT + 1)
    return outcome.value


@shared_task(name="abl.recompute_open_certificates")
def recompute_open_certificates_task(facility_id: int, actor_id: int | None, reason: str) -> int:
    """After a terms change: recompute the facility's drafts and submitted certificates."""
    from abl.services import computations

    return computations.recompute_open_certificates(
        facility_id=facility_id, actor_id=actor_id, reason=reason
    )


@shared_task(name="abl.send_certificate_notification")
def send_certificate_notification_task(certificate_id: int, event: str) -> bool:
    """Email who must hear of a certificate's submission, approval or return; once."""
    from abl.services import notifications

    sent = notifications.send_certificate_notification(certificate_id=certificate_id, event=event)
    return sent is not None


@shared_task(name="abl.send_advance_notice")
def send_advance_notice_task(advance_id: int, event: str) -> bool:
    """E-mail the other side of an advance request's event (§7); once."""
    from abl.services import advance_notices

    sent = advance_notices.send_advance_notice(advance_id=advance_id, event=event)
    return sent is not None


@shared_task(name="abl.send_default_email")
def send_default_email_task(event_id: int, what: str) -> bool:
    """Email an event of default declared or ended to its RMs, the bank and the borrower; once."""
    from abl.services import notifications

    return notifications.send_default_email(event_id=event_id, what=what)


@shared_task(name="abl.sweep_stuck_files")
def sweep_stuck_files_task() -> dict[str, list[int] | list[str]]:
    """From beat: re-queue or refuse files whose worker died; drop tables no file owns; re-queue
    or fail the spreadsheets whose worker died."""
    from abl.services import exports

    swept = sweep.sweep_stuck_files()
    requeued, failed = exports.sweep_stuck_exports()
    return {
        "requeued": swept.requeued,
        "refused": swept.refused,
        "dropped": swept.tables_dropped,
        "exports_requeued": requeued,
        "exports_failed": failed,
    }


@shared_task(name="abl.build_certificate_export", bind=True, max_retries=None)
def build_certificate_export_task(self: Task, export_id: int) -> str:
    """Write and store one certificate's spreadsheet; run twice, stored once.

    Given back by a worker that died while its claim is still live, it waits until
    that claim would have gone stale, then tries again.
    """
    from abl.services import exports

    outcome = exports.build_certificate_export(export_id=export_id)
    if outcome is claims.Outcome.BUSY and not self.request.is_eager:
        raise self.retry(countdown=settings.ABL_FILE_CLAIM_TIMEOUT + 1)
    return outcome.value


@shared_task(name="abl.verify_audit_chain")
def verify_audit_chain_task() -> dict[str, int | list[str]]:
    """From beat, nightly: verify the audit chains; intact, anchor their heads; broken, audit it
    and email the administrators. Run twice, it anchors the same heads twice."""
    report = audit.check_audit_trail()
    return {
        "checked": report.checked,
        "chains": len(report.heads),
        "problems": list(report.problems),
    }


@shared_task(
    name="abl.render_certificate_pdf",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def render_certificate_pdf_task(certificate_id: int) -> int:
    """Render the certificate's PDF in its present state; the same record when run twice.

    Retried when the database is briefly unreachable (safe: rendering again stores nothing new).
    """
    from abl.services import documents

    return documents.render_certificate_document(certificate_id=certificate_id).pk


@shared_task(name="abl.post_fees")
def post_fees_task(month: str | None = None) -> str:
    """Post a month's fees and interest for every facility (`fees.post_fees`); run twice, once.

    Beat runs it monthly with no month: the month before the business date's. A
    refusal (a balance without a base rate) is returned, not retried: an analyst
    must set the rate, and the next run (or `post_fees`) posts the month then.
    """
    from abl import business_date
    from abl.calc.fees import Month
    from abl.services import fees

    target = Month.parse(month) if month else Month.of(business_date.today()).previous()
    try:
        charges = fees.post_fees(month=target)
    except fees.FeeRefused as refusal:
        return f"{target}: refused: {refusal}"
    return f"{target}: {len(charges)} charges posted"


@shared_task(name="abl.deliver_webhook", time_limit=120, soft_time_limit=100, ignore_result=True)
def deliver_webhook_task(delivery_id: int) -> str:
    """Attempt one webhook delivery that is due; run twice, it is sent once."""
    from abl.webhooks import services

    return services.deliver(delivery_id=delivery_id)


@shared_task(name="abl.retry_webhooks", time_limit=300, soft_time_limit=280)
def retry_webhooks_task() -> int:
    """From beat: send a task for each webhook delivery whose next attempt is due."""
    from abl.webhooks import services

    due = services.due_deliveries()
    for delivery_id in due:
        deliver_webhook_task.delay(delivery_id)
    return len(due)
