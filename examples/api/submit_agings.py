"""Upload this period's collateral files from a folder and submit the certificate.

What a borrower's IT runs after the month's close, e.g. from cron:

    ABL_API_TOKEN=abl_... python submit_agings.py --url https://abl.example.com \\
        --facility 1 --as-of 2003-03-31 --folder exports/2003-03 \\
        --name "Jane Roe" --title CFO

Files are recognised by name: `receivables*`, `inventory*` and `payables*` (CSV or XLSX).
The draft is opened once per facility and date (the Idempotency-Key says which), so running
the script again after a failure continues the same certificate. The script waits for the
server to check every file; a refused file stops it with the server's problems by row and
column, and nothing is certified.
"""

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from abl_api import AblApi, ApiError

KINDS = ("receivables", "inventory", "payables")
WAITING = {"queued", "processing"}


def files_in(folder: Path) -> dict[str, Path]:
    """The collateral files of the folder by kind; two of one kind is an error."""
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        kind = next((k for k in KINDS if path.name.lower().startswith(k)), None)
        if kind is None or path.suffix.lower() not in (".csv", ".xlsx"):
            continue
        if kind in found:
            raise SystemExit(f"{folder}: two {kind} files ({found[kind].name}, {path.name})")
        found[kind] = path
    if "receivables" not in found:
        raise SystemExit(f"{folder}: no receivables file (receivables*.csv or .xlsx)")
    return found


def wait_for_checks(api: AblApi, certificate: int, *, seconds: float) -> list[dict[str, Any]]:
    """The certificate's files once none is waiting for the server's check."""
    deadline = time.monotonic() + seconds
    while True:
        files = list(api.pages(f"/api/v1/certificates/{certificate}/files/"))
        if not any(f["status"] in WAITING for f in files):
            return files
        if time.monotonic() > deadline:
            raise SystemExit(f"the server did not check the files within {seconds:.0f} s")
        time.sleep(1)


def submit(
    api: AblApi,
    *,
    facility: int,
    as_of: str,
    folder: Path,
    name: str,
    title: str,
    wait_seconds: float = 300,
) -> dict[str, Any]:
    """Open (or continue) the draft, upload the folder's files, and certify; the certificate."""
    files = files_in(folder)
    draft = api.post(
        f"/api/v1/facilities/{facility}/certificates/",
        {"as_of": as_of},
        idempotency_key=f"certificate-{facility}-{as_of}",
    )
    path_of_files = f"/api/v1/certificates/{draft['id']}/files/"
    # A run again replaces what the last one uploaded (a refused file needs no replacing).
    present = {f["kind"] for f in api.pages(path_of_files) if f["status"] != "refused"}
    for kind, path in files.items():
        replace = "true" if kind in present else "false"
        api.upload(path_of_files, {"kind": kind, "replace": replace}, path)
        print(f"uploaded {path.name} as {kind}")
    checked = wait_for_checks(api, draft["id"], seconds=wait_seconds)
    refused = [f for f in checked if f["status"] == "refused"]
    if refused:
        for file in refused:
            for problem in file["problems"]:
                where = ", ".join(f"{k} {problem[k]}" for k in ("row", "column") if problem.get(k))
                print(
                    f"{file['original_name']}: {where + ': ' if where else ''}{problem['message']}"
                )
        raise SystemExit("refused: nothing was certified")
    return api.post(f"/api/v1/certificates/{draft['id']}/certify/", {"name": name, "title": title})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url", required=True, help="the ABL Desk site, e.g. https://abl.example.com"
    )
    parser.add_argument("--facility", type=int, required=True)
    parser.add_argument("--as-of", required=True, help="the certificate's date, YYYY-MM-DD")
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--name", required=True, help="the officer who certifies")
    parser.add_argument("--title", required=True)
    args = parser.parse_args()
    api = AblApi(args.url, token=os.environ["ABL_API_TOKEN"])
    try:
        certificate = submit(
            api,
            facility=args.facility,
            as_of=args.as_of,
            folder=args.folder,
            name=args.name,
            title=args.title,
        )
    except ApiError as error:
        sys.exit(str(error))
    figures = certificate.get("figures") or {}
    print(f"certificate {certificate['id']} {certificate['status']}", end="")
    print(f": borrowing base {figures['borrowing_base']}" if "borrowing_base" in figures else "")


if __name__ == "__main__":
    main()
