"""Seeded collateral files: the Innotrac samples and large files for the benchmarks.

    python bench/generate.py --innotrac examples/innotrac
    python bench/generate.py --receivables big.csv --rows 1000000 [--xlsx big.xlsx]

Same seed, same files. Amounts are made in integer cents; US-style formatting
(`$1,234.50`, `(5.00)`, `MM/DD/YYYY`) is mixed in as real exports have it.
"""

import argparse
import csv
import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

AS_OF = dt.date(2003, 3, 31)
HEADER = [
    "Customer ID",
    "Customer Name",
    "Invoice #",
    "Inv Date",
    "Due Date",
    "Amount",
    "Country",
    "Affiliate",
    "Government",
]
INVENTORY_HEADER = [
    "Item #",
    "Description",
    "Warehouse",
    "Category",
    "Program",
    "Qty",
    "Unit Cost",
    "In Transit",
    "Consigned",
    "Obsolete",
]


def money(cents: int, rng: random.Random) -> str:
    text = f"{abs(cents) // 100:,}.{abs(cents) % 100:02d}"
    if rng.random() < 0.5:
        text = "$" + text
    if cents < 0:
        return f"({text})" if rng.random() < 0.5 else "-" + text.replace(",", "")
    return text


def day(d: dt.date, rng: random.Random) -> str:
    return d.strftime("%m/%d/%Y") if rng.random() < 0.5 else d.isoformat()


SPECIAL = [  # one account debtor of each kind the rules treat apart
    ("C00005", "Innotrac Fulfillment Services (affiliate)", "US", "Y", "N"),
    ("C00010", "Georgia Department of Revenue", "US", "N", "Y"),
    ("C00015", "Maple Leaf Telecom Ltd.", "CA", "N", "N"),
]
CROSS_AGED = "C00007"  # most of its items are past 90 days
CREDIT_BALANCE = "C00020"  # only credit memos: a credit balance


def _customers(count: int, rng: random.Random) -> list[tuple[str, str, str, str, str, float]]:
    """(id, name, country, affiliate, government, weight): BellSouth carries a big share."""
    special = {cid: (cid, name, country, aff, gov) for cid, name, country, aff, gov in SPECIAL}
    people = [("BELLSOUTH", "BellSouth Telecommunications", "US", "N", "N", count / 3)]
    for i in range(1, count):
        cid = f"C{i:05d}"
        base = special.get(
            cid,
            (
                cid,
                f"Customer {i:05d} Inc.",
                "CA" if i % 97 == 0 else "US",
                "Y" if i % 211 == 0 else "N",
                "Y" if i % 151 == 0 else "N",
            ),
        )
        people.append((*base, rng.random() + 0.2))
    return people


def receivables_rows(
    rows: int, seed: int, customers: int = 2000, typical_cents: int = 1_250_000
) -> list[list[str]]:
    rng = random.Random(seed)
    people = _customers(min(customers, max(2, rows // 3)), rng)
    chosen = rng.choices(people, weights=[p[5] for p in people], k=rows)
    out = []
    for n, (cid, name, country, affiliate, government, _) in enumerate(chosen):
        late = cid == CROSS_AGED or rng.random() < 0.08
        age = rng.randint(91, 150) if late else rng.randint(0, 75)
        invoice_date = AS_OF - dt.timedelta(days=age)
        cents = rng.randint(typical_cents // 5, typical_cents * 9 // 5)
        if cid == CREDIT_BALANCE or rng.random() < 0.01:
            cents = -rng.randint(100, typical_cents // 10)  # a credit memo
        out.append(
            [
                cid,
                name,
                f"INV-{n + 100000}",
                day(invoice_date, rng),
                day(invoice_date + dt.timedelta(days=30), rng),
                money(cents, rng),
                country,
                affiliate,
                government,
            ]
        )
    return out


def write_receivables_csv(path: Path, rows: int, seed: int = 7) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(receivables_rows(rows, seed))


def _typed(row: list[str]) -> list[object]:
    """A row as Excel holds it: dates as dates, the amount as a number."""

    def when(text: str) -> dt.date:
        if "-" in text:
            return dt.date.fromisoformat(text)
        return dt.datetime.strptime(text, "%m/%d/%Y").date()

    text = row[5].replace("$", "").replace(",", "")
    amount = Decimal(text.strip("()")) * (-1 if text.startswith("(") else 1)
    return [*row[:3], when(row[3]), when(row[4]), amount, *row[6:]]


def write_receivables_xlsx(path: Path, rows: int, seed: int = 7, *, as_text: bool = False) -> None:
    """A workbook as Excel writes one: shared strings, dates and amounts as typed cells.

    With as_text, every cell is a text cell held inline (openpyxl's way): the
    largest and slowest kind of sheet to read, kept as the worst case.
    """
    if as_text:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("aging")
        sheet.append(HEADER)
        for row in receivables_rows(rows, seed):
            sheet.append(row)
        workbook.save(path)
        return
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    aging = book.add_worksheet("aging")
    date_format = book.add_format({"num_format": "mm/dd/yyyy"})
    money_format = book.add_format({"num_format": "#,##0.00"})
    aging.write_row(0, 0, HEADER)
    for number, row in enumerate(receivables_rows(rows, seed), start=1):
        cells = _typed(row)
        for column, value in enumerate(cells):
            if isinstance(value, dt.date):
                aging.write_datetime(number, column, value, date_format)
            elif isinstance(value, Decimal):
                # The shortest text of this double is the amount exactly.
                aging.write_number(number, column, float(value), money_format)
            else:
                aging.write_string(number, column, str(value))
    book.close()


def inventory_rows(rows: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    out = []
    for n in range(rows):
        program = "BELLSOUTH" if n % 3 == 0 else ""
        category = rng.choices(
            ["finished_goods", "raw_materials", "work_in_process"], [70, 20, 10]
        )[0]
        flags = ["N", "N", "N"]
        pick = rng.random()
        if pick < 0.03:
            flags[0] = "Y"
        elif pick < 0.05:
            flags[1] = "Y"
        elif pick < 0.08:
            flags[2] = "Y"
        quantity = rng.randint(100, 2_500)
        unit_cost = f"{rng.randint(150, 9_000) / 100:.4f}"
        out.append(
            [
                f"SKU-{n:05d}",
                f"{'BellSouth ' if program else ''}item {n:05d}",
                rng.choice(["Duluth GA", "Reno NV", "Pueblo CO"]),
                category,
                program,
                f"{quantity:,}",
                unit_cost,
                *flags,
            ]
        )
    return out


def write_inventory_csv(path: Path, rows: int, seed: int = 11) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(INVENTORY_HEADER)
        writer.writerows(inventory_rows(rows, seed))


def write_payables_csv(path: Path, customer_ids: list[str]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Customer ID", "Vendor", "Amount"])
        for n, cid in enumerate(customer_ids):
            writer.writerow([cid, f"{cid.title()} Supply", f"{(n + 1) * 12_500:,}.00"])


def write_innotrac(folder: Path) -> None:
    """Innotrac as of 2003-03-31: ~450 invoices (~$30M) and 400 inventory rows (~$25M)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = receivables_rows(450, seed=2003, customers=60, typical_cents=6_500_000)
    with (folder / "receivables.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "aging"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(folder / "receivables.xlsx")
    write_inventory_csv(folder / "inventory.csv", 400, seed=2003)
    write_payables_csv(folder / "payables.csv", ["C00003", "C00011", "C00031"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--innotrac", type=Path)
    parser.add_argument("--receivables", type=Path)
    parser.add_argument("--xlsx", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.innotrac:
        write_innotrac(args.innotrac)
    if args.receivables:
        write_receivables_csv(args.receivables, args.rows, args.seed)
    if args.xlsx:
        write_receivables_xlsx(args.xlsx, args.rows, args.seed)


if __name__ == "__main__":
    main()
