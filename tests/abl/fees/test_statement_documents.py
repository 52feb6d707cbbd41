"""The monthly fee statement as a PDF: stored once per state with its SHA-256, read back,
offered by the statement page; a later adjustment makes a second PDF beside the first."""

import datetime as dt
import hashlib
import io
import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from pypdf import PdfReader

from abl.calc.fees import Month
from abl.models import AuditEvent
from abl.models.fees import FeeStatementDocument
from abl.services import fees, loans
from tests.abl.fees.conftest import APRIL_INTEREST
from tests.factories import FacilityFactory, UserFactory

pytestmark = pytest.mark.django_db
APRIL = Month(2003, 4)


@pytest.fixture
def posted(april):
    fees.post_fees(month=APRIL)
    return april


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_the_statements_pdf_holds_its_lines_and_total(posted):
    document = fees.render_statement_document(facility=posted, month=APRIL)

    text = _text(bytes(document.pdf))
    assert "Fee statement 2003-04" in text
    assert "Innotrac" in text
    for figure in ("1,125.00", "1,555.00", f"{APRIL_INTEREST:,}", "Total 2003-04 19,684.40"):
        assert figure in text
    assert "placeholders" in text
    assert document.total == Decimal("19684.40")
    assert document.sha256 == hashlib.sha256(bytes(document.pdf)).hexdigest()


def test_rendering_again_for_the_same_state_makes_no_second_record(posted):
    first = fees.render_statement_document(facility=posted, month=APRIL)
    fees.post_fees(month=APRIL)  # nothing new: the same state

    again = fees.render_statement_document(facility=posted, month=APRIL)

    assert again.pk == first.pk
    assert FeeStatementDocument.objects.count() == 1
    assert AuditEvent.objects.filter(action="fees.statement_rendered").count() == 1


def test_an_adjustment_makes_a_new_state_and_a_second_pdf_beside_the_first(
    posted, abl_analyst, settings
):
    first = fees.render_statement_document(facility=posted, month=APRIL)
    settings.ABL_BUSINESS_DATE = "2003-05-10"
    loans.record_repayment(
        facility=posted,
        actor=abl_analyst,
        amount=Decimal("1000000.00"),
        value_date=dt.date(2003, 4, 25),
    )
    fees.post_fees(month=APRIL)

    second = fees.render_statement_document(facility=posted, month=APRIL)

    assert second.pk != first.pk
    assert (first.total, second.total) == (Decimal("19684.40"), Decimal("18976.07"))
    text = _text(bytes(second.pdf))
    assert "Interest adjustment" in text
    assert "(708.33)" in text
    assert "18,976.07" in text
    assert [d.pk for d in fees.statement_documents(facility=posted, month=APRIL)] == [
        second.pk,
        first.pk,
    ]


def test_the_database_refuses_to_change_or_delete_a_stored_statement(posted):
    document = fees.render_statement_document(facility=posted, month=APRIL)

    with pytest.raises(DatabaseError), transaction.atomic():
        FeeStatementDocument.objects.filter(pk=document.pk).update(sha256="0" * 64)
    with pytest.raises(DatabaseError), transaction.atomic():
        FeeStatementDocument.objects.filter(pk=document.pk).delete()

    assert FeeStatementDocument.objects.get().sha256 == document.sha256


def test_the_pdf_download_is_the_stored_pdf_and_the_page_then_offers_it(client, posted, cfo):
    client.force_login(cfo)

    download = client.get(f"/facilities/{posted.pk}/fees/statement.pdf?month=2003-04")
    page = client.get(f"/facilities/{posted.pk}/fees/?month=2003-04").content.decode()

    document = FeeStatementDocument.objects.get()
    assert download.content == bytes(document.pdf)
    assert download["Content-Disposition"] == (
        f'attachment; filename="fees-innotrac-2003-2003-04-{document.sha256[:12]}.pdf"'
    )
    assert f'data-testid="statement-sha256">{document.sha256}<' in page
    assert f'href="/fee-statements/{document.pk}/statement.pdf" data-testid="stored-pdf"' in page
    stored = client.get(f"/fee-statements/{document.pk}/statement.pdf")
    assert stored.content == bytes(document.pdf)


def test_a_stored_statement_is_not_another_borrowers(client, posted):
    document = fees.render_statement_document(facility=posted, month=APRIL)
    client.force_login(UserFactory(role="borrower", organisation=FacilityFactory().borrower))

    assert client.get(f"/fee-statements/{document.pk}/statement.pdf").status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_renderings_at_once_store_one_pdf(posted):
    start = threading.Barrier(2)
    rendered: list[int] = []

    def render():
        try:
            start.wait()
            rendered.append(fees.render_statement_document(facility=posted, month=APRIL).pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=render) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(rendered) == 2
    assert rendered[0] == rendered[1]
    assert FeeStatementDocument.objects.count() == 1
