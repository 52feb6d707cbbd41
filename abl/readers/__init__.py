"""Reading collateral files (§2): pure Python, no Django. See docs/collateral-files.md."""

from abl.readers.errors import CollateralFileError, Problem
from abl.readers.files import read_inventory, read_payables, read_receivables
from abl.readers.limits import ReaderLimits

__all__ = [
    "CollateralFileError",
    "Problem",
    "ReaderLimits",
    "read_inventory",
    "read_payables",
    "read_receivables",
]
