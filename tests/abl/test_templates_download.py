"""The borrower downloads blank files with the headers and an example row."""

import csv
import io

import pytest
from python_calamine import CalamineWorkbook

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["receivables", "inventory", "payables"])
def test_csv_template_has_headers_and_example(client, borrower_user, facility, kind):
    client.force_login(borrower_user)

    response = client.get(f"/facilities/{facility.pk}/templates/{kind}.csv")

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert response["Content-Disposition"] == f'attachment; filename="{kind}-template.csv"'
    assert len(rows) == 2
    assert len(rows[0]) == len(rows[1])


def test_xlsx_template_reads_back(client, borrower_user, facility):
    client.force_login(borrower_user)

    response = client.get(f"/facilities/{facility.pk}/templates/inventory.xlsx")

    sheet = (
        CalamineWorkbook.from_filelike(io.BytesIO(response.content))
        .get_sheet_by_index(0)
        .to_python()
    )
    assert sheet[0][:3] == ["sku", "description", "location"]


def test_templates_of_other_borrower_are_404(client, borrower_user, facility):
    from tests.factories import FacilityFactory

    other = FacilityFactory(lender=facility.lender)
    client.force_login(borrower_user)

    assert client.get(f"/facilities/{other.pk}/templates/receivables.csv").status_code == 404
