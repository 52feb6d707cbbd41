"""A statement period of 9999-12-31 (or 0001-01-31) is refused by name, never stepped past the
calendar's end (issue 22, finding 8): the single-statement form, the upload, `covenant_test`."""

import json
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from covenants.models import FinancialStatement
from tests.covenants.test_covenant_test_command import QUARTER, ROOT, TERMS
from tests.covenants.test_pages import _form
from tests.covenants.test_statement_files import HEADER, ROW

AFTER = "9999-12-31 is after 2999-12-31, the last date ABL Desk handles"
BEFORE = "0001-01-31 is before 1900-01-01, the first date ABL Desk handles"


@pytest.mark.django_db
@pytest.mark.parametrize(("period_end", "message"), [("9999-12-31", AFTER), ("0001-01-31", BEFORE)])
def test_the_statement_form_names_the_period_end(
    client, innotrac, cfo, settings, period_end, message
):
    settings.DEBUG = False
    client.force_login(cfo)

    response = client.post(
        f"/facilities/{innotrac.pk}/financials/submit/",
        _form(kind="projection", period_end=period_end),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["period_end"] == [message]
    assert FinancialStatement.objects.count() == 0


@pytest.mark.django_db
def test_the_upload_names_the_row_and_column(client, innotrac, cfo, settings):
    settings.DEBUG = False
    client.force_login(cfo)
    rows = [ROW.format(date="2003-06-30", capex="1"), ROW.format(date="9999-12-31", capex="1")]
    upload = SimpleUploadedFile("p.csv", "\n".join([HEADER, *rows, ""]).encode())

    response = client.post(
        f"/facilities/{innotrac.pk}/financials/upload/",
        {"kind": "projection", "file": upload, "officer_title": "CFO", "certify": "on"},
    )

    assert response.status_code == 400
    assert response.context["file_form"].non_field_errors() == [
        f"row 3, column 'period_end': {AFTER}"
    ]
    assert FinancialStatement.objects.count() == 0


def test_covenant_test_names_the_date_argument(tmp_path):
    figures = tmp_path / "financials.json"
    figures.write_text(json.dumps(QUARTER))

    result = subprocess.run(
        [
            *(sys.executable, "manage.py", "covenant_test", "--terms", str(TERMS)),
            *("--date", "9999-12-31", "--financials", str(figures), "--json"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "ABL_BUSINESS_DATE": "2003-04-07"},
    )

    assert result.returncode == 1
    assert result.stderr == f"CommandError: --date: {AFTER}\n"
    assert result.stdout == ""
