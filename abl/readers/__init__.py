"""Reading collateral files (§2): pure Python, no Django. See docs/collateral-files.md."""

from abl.readers.errors import CollateralFileError, Problem
from abl.readers.files import read_inventory, read_payables, read_receivables, read_repayments
from abl.readers.limits import ReaderLimits
from abl.readers.values import parse_amount, parse_date

__all__ = [
    "CollateralFileError",
    "Problem",
    "ReaderLimits",
    "parse_amount",
    "parse_date",
    "read_inventory",
    "read_payables",
    "read_receivables",
    "read_repayments",
]
