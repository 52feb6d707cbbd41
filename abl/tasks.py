"""Celery tasks: thin, named, take ids, safe to run twice."""

from celery import shared_task

from abl.services import system


@shared_task(name="abl.ping_worker")
def ping_worker(user_id: int | None, token: str) -> str:
    """Prove a worker is alive by writing to the database; the same token twice writes once."""
    system.record_worker_ping(user_id=user_id, token=token)
    return token


@shared_task(name="abl.process_collateral_file")
def process_collateral_file_task(file_id: int) -> None:
    """Process one uploaded file, then recompute its draft when nothing else is pending."""
    from abl.models import CollateralFile
    from abl.services import certificates, collateral

    frame = collateral.process_collateral_file(file_id=file_id)
    if frame is None:
        return
    collateral_file = CollateralFile.objects.select_related("certificate").get(pk=file_id)
    certificate = collateral_file.certificate
    if collateral.pending_files(certificate) == 0:
        certificates.compute_certificate(
            certificate=certificate,
            actor=collateral_file.uploaded_by,
            reason=f"{collateral_file.get_kind_display()} uploaded",
            frames={collateral_file.kind: frame},
        )
