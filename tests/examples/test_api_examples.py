"""The API's examples (examples/api/) against a live server: a borrower's folder of agings
uploaded and certified, a refused file stopping the script with the server's problem by row
and column, and a bank's CSV of every facility's status."""

import csv
import io
import shutil
import sys
from pathlib import Path

import pytest

from abl.models import AuditEvent, Certificate
from abl.services.api_tokens import create_api_token
from reporting.services.status import facility_status
from tests.twofactor import enrolled_device

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "examples" / "innotrac"
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def examples(monkeypatch, settings):
    settings.ABL_BUSINESS_DATE = "2003-04-07"
    monkeypatch.syspath_prepend(str(ROOT / "examples" / "api"))
    import abl_api
    import facilities_status_csv
    import submit_agings

    yield abl_api, submit_agings, facilities_status_csv
    for name in ("abl_api", "submit_agings", "facilities_status_csv"):
        sys.modules.pop(name, None)


def _token(user) -> str:
    if user.is_bank_staff:
        enrolled_device(user)
    return create_api_token(user=user, actor=user, name="example", read_only=False, days=30).secret


def _folder(tmp_path: Path, **texts: str) -> Path:
    folder = tmp_path / "2003-03"
    folder.mkdir()
    for name in ("receivables.csv", "inventory.csv", "payables.csv"):
        shutil.copy(SAMPLES / name, folder / name)
    for name, text in texts.items():
        (folder / f"{name}.csv").write_text(text)
    return folder


def test_the_borrowers_script_uploads_the_folder_and_certifies(
    examples, live_server, innotrac, cfo, tmp_path
):
    abl_api, submit_agings, _ = examples
    api = abl_api.AblApi(live_server.url, token=_token(cfo))

    certificate = submit_agings.submit(
        api,
        facility=innotrac.pk,
        as_of="2003-03-31",
        folder=_folder(tmp_path),
        name="David Gamsey",
        title="Chief Financial Officer",
    )

    stored = Certificate.objects.get(pk=certificate["id"])
    assert (certificate["status"], stored.status) == ("submitted", "submitted")
    assert sorted(stored.files.values_list("kind", "status")) == [
        ("inventory", "accepted"),
        ("payables", "accepted"),
        ("receivables", "accepted"),
    ]
    assert certificate["figures"]["borrowing_base"] == stored.current.figures["borrowing_base"]
    assert AuditEvent.objects.filter(
        action="certificate.submitted", object_id=str(stored.pk)
    ).exists()


def test_a_refused_file_stops_the_script_with_its_row_and_column_and_certifies_nothing(
    examples, live_server, innotrac, cfo, tmp_path, capsys
):
    abl_api, submit_agings, _ = examples
    bad = (SAMPLES / "receivables.csv").read_text().replace('"$88,127.49"', "lots", 1)
    api = abl_api.AblApi(live_server.url, token=_token(cfo))

    with pytest.raises(SystemExit, match="refused: nothing was certified"):
        submit_agings.submit(
            api,
            facility=innotrac.pk,
            as_of="2003-03-31",
            folder=_folder(tmp_path, receivables=bad),
            name="David Gamsey",
            title="Chief Financial Officer",
        )

    printed = capsys.readouterr().out
    assert "receivables.csv: row 2, column amount: not an amount: 'lots'" in printed
    assert Certificate.objects.get(facility=innotrac).status == "draft"


def test_an_api_refusal_carries_the_pages_message(examples, live_server, innotrac, cfo):
    abl_api, _, _ = examples
    api = abl_api.AblApi(live_server.url, token=_token(cfo))

    with pytest.raises(abl_api.ApiError) as refused:
        api.post(
            f"/api/v1/facilities/{innotrac.pk}/certificates/",
            {"as_of": "2003-03-31"},  # no Idempotency-Key
        )

    assert refused.value.status == 400
    assert "Idempotency-Key" in str(refused.value)


def test_the_banks_script_writes_every_facilitys_status(
    examples, live_server, innotrac, abl_analyst
):
    abl_api, _, facilities_status_csv = examples
    out = io.StringIO()

    count = facilities_status_csv.write_status_csv(
        abl_api.AblApi(live_server.url, token=_token(abl_analyst)), out
    )

    (row,) = csv.DictReader(io.StringIO(out.getvalue()))
    expected = facility_status(innotrac).as_json()
    assert count == 1
    assert (row["id"], row["name"]) == (str(innotrac.pk), innotrac.name)
    assert {k: row[k] for k in expected} == {
        k: "" if v is None else str(v) for k, v in expected.items()
    }
