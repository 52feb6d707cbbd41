"""Fixtures for the certificate workflow: the Innotrac terms and a small aging worked by hand.

The aging, as of 2003-03-31 (age limit 90 days, concentration 25%, BellSouth 50%):

| customer  | items                                   | decision                         |
|-----------|-----------------------------------------|----------------------------------|
| BELLSOUTH | 600,000.00 (03-10), 400,000.00 (02-15)  | eligible, then concentration     |
| ACME      | 100,000.00 (03-01), 50,000.00 (2002-12-01, 120 days) | 50,000.00 past due   |
| AFFCO     | 80,000.00, affiliate                    | 80,000.00 affiliate              |
| MAPLE     | 20,000.00, country CA                   | 20,000.00 foreign                |
| CREDITCO  | (5,000.00) credit memo                  | credit balance, counted as is    |

Gross 1,245,000.00. After the categories: BELLSOUTH 1,000,000.00, ACME 100,000.00,
CREDITCO (5,000.00): E = 1,095,000.00. BellSouth's limit is 50% × E = 547,500.00,
so concentration takes 452,500.00. Eligible = 642,500.00; × 85% = 546,125.00.
"""

from decimal import Decimal
from pathlib import Path

import pytest

from abl.services.terms import load_facility_terms
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
TERMS = ROOT / "examples" / "innotrac" / "terms.yaml"

AGING = """\
Customer ID,Customer Name,Invoice #,Inv Date,Due Date,Amount,Country,Affiliate,Government
BELLSOUTH,BellSouth Telecommunications,BS-1,03/10/2003,04/09/2003,"$600,000.00",US,N,N
BELLSOUTH,BellSouth Telecommunications,BS-2,2003-02-15,2003-03-17,"$400,000.00",US,N,N
ACME,Acme Retail,AC-1,2003-03-01,,"100,000.00",US,N,N
ACME,Acme Retail,AC-2,2002-12-01,,"50,000.00",US,N,N
AFFCO,Innotrac Affiliate Co,AF-1,2003-03-20,,"80,000.00",US,Y,N
MAPLE,Maple Telecom Ltd,MA-1,2003-03-20,,"20,000.00",CA,N,N
CREDITCO,Credit Co,CR-1,2003-03-25,,"(5,000.00)",US,N,N
"""
EXPECTED = {
    "gross_receivables": Decimal("1245000.00"),
    "eligible_receivables": Decimal("642500.00"),
    "receivables_availability": Decimal("546125.00"),
}


@pytest.fixture
def innotrac(db):
    version, _ = load_facility_terms(text=TERMS.read_text(), actor=None, reason="test")
    return version.facility


@pytest.fixture
def cfo(innotrac):
    return UserFactory(
        username="dgamsey",
        first_name="David",
        last_name="Gamsey",
        title="Chief Financial Officer",
        role="borrower",
        organisation=innotrac.borrower,
    )


@pytest.fixture
def abl_analyst(innotrac):
    return UserFactory(username="analyst", role="analyst", organisation=innotrac.lender)


@pytest.fixture
def aging_csv(tmp_path) -> Path:
    path = tmp_path / "aging.csv"
    path.write_text(AGING)
    return path


def post_report(
    client, facility, capture, *, outstanding: str = "0", as_of: str = "2003-03-31", **files: str
):
    """The borrower's upload form, posted with `kind=CSV text` files; tasks run at once."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    data: dict[str, object] = {"as_of": as_of, "outstanding": outstanding}
    data.update(
        {kind: SimpleUploadedFile(f"{kind}.csv", text.encode()) for kind, text in files.items()}
    )
    with capture(execute=True):
        return client.post(f"/facilities/{facility.pk}/report/", data)
