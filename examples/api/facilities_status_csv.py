"""Every facility the token's user may see, with its status, as one CSV: what a bank's
system pulls each morning instead of opening the dashboard.

    ABL_API_TOKEN=abl_... python facilities_status_csv.py --url https://abl.example.com > status.csv

The columns are the facility's id, name and borrower, then the status object of
`facility_status --json` (docs/api.md), money as the API gives it (decimal strings).
"""

import argparse
import csv
import os
import sys
from typing import IO

from abl_api import AblApi, ApiError

FACILITY_COLUMNS = ["id", "name", "borrower"]


def write_status_csv(api: AblApi, out: IO[str]) -> int:
    """Write the CSV to `out`; how many facilities it holds."""
    writer: csv.DictWriter[str] | None = None
    count = 0
    for facility in api.pages("/api/v1/facilities/"):
        status = api.get(f"/api/v1/facilities/{facility['id']}/status/")
        row = {**{c: facility[c] for c in FACILITY_COLUMNS}, **status}
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(row), lineterminator="\n")
            writer.writeheader()
        writer.writerow(row)
        count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url", required=True, help="the ABL Desk site, e.g. https://abl.example.com"
    )
    args = parser.parse_args()
    try:
        write_status_csv(AblApi(args.url, token=os.environ["ABL_API_TOKEN"]), sys.stdout)
    except ApiError as error:
        sys.exit(str(error))


if __name__ == "__main__":
    main()
