"""The letter does not give the December pricing matrix: every page (and PDF) that shows a
margin or the levels marks them as placeholders, and none does when the terms give them.

The sweep reads every page of a facility (each URL pattern that takes only the
facility's id), the home page and the base rates page, with April posted so
that interest lines exist; a page that shows a margin must say "placeholder".
"""

import io
import re

import pytest
from django.urls import NoReverseMatch, get_resolver, reverse
from pypdf import PdfReader

from abl.calc.fees import Month
from abl.services import fees
from abl.services.terms import load_facility_terms
from tests.abl.conftest import TERMS

pytestmark = pytest.mark.django_db
MARGIN = re.compile(r"margin \d|Margin over", re.IGNORECASE)


def _names() -> set[str]:
    return {name for name in get_resolver().reverse_dict if isinstance(name, str)}


def _facility_pages(pk: int) -> dict[str, str]:
    pages = {"home": "/", "base_rates": reverse("base_rates")}
    for name in sorted(_names()):
        try:
            url = reverse(name, args=[pk])
        except NoReverseMatch:
            continue
        if f"facilities/{pk}/" in url:
            pages[name] = url
    return pages


def _text(response) -> str:
    if response["Content-Type"] == "application/pdf":
        reader = PdfReader(io.BytesIO(response.content))
        return " ".join(page.extract_text() for page in reader.pages)
    return response.content.decode()


def _shown(client, facility) -> dict[str, str]:
    texts = {}
    for name, url in _facility_pages(facility.pk).items():
        response = client.get(url)
        if response.status_code == 200 and not response.streaming:
            texts[name] = _text(response)
    return texts


def test_every_page_showing_a_margin_marks_the_levels_as_placeholders(client, april, abl_analyst):
    fees.post_fees(month=Month(2003, 4))
    client.force_login(abl_analyst)

    shown = _shown(client, april)

    showing = {name for name, text in shown.items() if MARGIN.search(text)}
    assert {"facility_detail", "ledger", "fee_statement", "fee_statement_pdf"} <= showing
    unmarked = sorted(name for name in showing if "placeholder" not in shown[name].lower())
    assert unmarked == [], (
        f"these pages show a margin without saying it is a placeholder: {unmarked}"
    )


def test_levels_given_by_the_terms_are_not_called_placeholders(client, april, abl_analyst):
    load_facility_terms(
        text=TERMS.read_text().replace("given_by_letter: false", "given_by_letter: true"),
        actor=None,
        reason="the December matrix, as given",
    )
    fees.post_fees(month=Month(2003, 4))
    client.force_login(abl_analyst)

    statement = client.get(f"/facilities/{april.pk}/fees/?month=2003-04").content.decode()
    pdf = _text(client.get(f"/facilities/{april.pk}/fees/statement.pdf?month=2003-04"))

    assert "17,004.40" in statement
    assert "placeholder" not in statement.lower()
    assert "placeholder" not in pdf.lower()
