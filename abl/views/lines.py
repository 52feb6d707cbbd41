"""The certificate's lines and the column names of its tables: one list each, which the
certificate page, its PDF (both through abl/_figures.html and the tables' templates) and
its XLSX (abl/exports.py) all use, so the three name and show the same things."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from abl.calc.money import money_text

MONEY, PERCENT, TEXT, SECTION = "money", "percent", "text", "section"

# The roll-forward: what the borrower's books roll forward to, against the file's total.
ROLL_FORWARD_COLUMNS = ("Ledger", "File", "Difference (file − ledger)")
# The borrower's own ineligibles against ABL Desk's.
REPORTED_DIFFERENCE_COLUMNS = ("Reported", "Computed", "Difference (computed − reported)")
# The largest ineligible customers (the PDF and the XLSX).
LARGEST_INELIGIBLE_COLUMNS = ("Customer", "Gross", "Ineligible", "Ineligible because")
# The receivables by days past invoice date (abl.calc.aging).
AGING_COLUMNS = ("Days past invoice date", "Receivables")
COLUMNS = {
    "roll_forward": ROLL_FORWARD_COLUMNS,
    "reported_differences": REPORTED_DIFFERENCE_COLUMNS,
    "largest_ineligible": LARGEST_INELIGIBLE_COLUMNS,
    "aging": AGING_COLUMNS,
}


@dataclass(frozen=True)
class Line:
    """One line of the certificate: `lead` + `name` is its label (a drill-down link wraps
    `name` on the page), `value` its figure, `note` what the page shows beside the label."""

    lead: str
    value: Decimal | str | None = None
    kind: str = MONEY  # MONEY, PERCENT, TEXT, or SECTION for a heading
    name: str = ""
    drill: str = ""  # "receivables", "inventory" or "inventory-all": the link's page
    key: str = ""  # the category the link filters on
    note: str = ""
    warning: bool = False  # the note is a warning badge
    indent: bool = False
    strong: bool = False
    testid: str = ""

    @property
    def label(self) -> str:
        return self.lead + self.name


def certificate_lines(lines: dict[str, Any]) -> list[Line]:
    """Every line of the certificate, in order, from `presenters.figure_lines`'s values."""
    money, figures = lines["money"], lines["figures"]
    result = [
        Line("Receivables", kind=SECTION),
        Line("Gross receivables", money["gross_receivables"], testid="gross_receivables"),
        *(
            Line("Less ineligible: ", amount, name=name, drill="receivables", key=key, indent=True)
            for key, name, amount in lines["ar_categories"]
        ),
        Line("Eligible receivables", money["eligible_receivables"], testid="eligible_receivables"),
        Line("× advance rate", lines["ar_rate"], kind=PERCENT, indent=True),
        Line(
            "Availability from receivables",
            money["receivables_availability"],
            strong=True,
            testid="receivables_availability",
        ),
        Line("Inventory", kind=SECTION, drill="inventory-all" if lines["has_inventory"] else ""),
        Line("Gross inventory", money.get("gross_inventory")),
        *(
            Line("Less ineligible: ", amount, name=name, drill="inventory", key=key, indent=True)
            for key, name, amount in lines["inv_categories"]
        ),
        Line("Eligible inventory", money.get("eligible_inventory")),
        Line(
            "Advance at each rate, before the sublimit",
            money.get("inventory_advance_before_cap"),
            indent=True,
        ),
        Line("Inventory sublimit", _decimal(lines["inventory_sublimit"]), indent=True),
        Line(
            "Availability from inventory",
            money.get("inventory_availability"),
            strong=True,
            testid="inventory_availability",
        ),
        Line("Borrowing base", kind=SECTION),
        *(
            Line(
                f"Less reserve: {r['name']}",
                _decimal(r["amount"]),
                note=r.get("reason") or "",
                indent=True,
            )
            for r in lines["reserves"]
        ),
        Line("Total reserves", money["reserves"], testid="reserves"),
        Line("Borrowing base", money["borrowing_base"], strong=True, testid="borrowing_base"),
        Line("Line cap (lesser of commitment and borrowing base)", money["line_cap"]),
        Line(
            "Outstanding (the loan ledger on the as-of date)",
            money["outstanding"],
            testid="outstanding",
        ),
    ]
    if lines["reported_outstanding"] is not None:
        difference = lines["reported_difference"]
        result.append(
            Line(
                "By the borrower's own books",
                lines["reported_outstanding"],
                note=f"differs by {money_text(difference)}" if difference else "",
                warning=True,
                indent=True,
                testid="reported-outstanding",
            )
        )
    return [
        *result,
        Line(
            "Excess availability",
            money["excess_availability"],
            strong=True,
            testid="excess_availability",
        ),
        Line("Excess availability %", Decimal(figures["excess_availability_pct"]), kind=PERCENT),
        Line(
            "Reporting frequency this implies",
            figures["reporting_frequency"],
            kind=TEXT,
            testid="reporting_frequency",
        ),
    ]


def _decimal(value: object) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))
