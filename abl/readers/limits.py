from dataclasses import dataclass


@dataclass(frozen=True)
class ReaderLimits:
    """Refuse files beyond these; the web application takes them from settings (ABL_*)."""

    max_bytes: int = 200 * 1024 * 1024
    max_rows: int = 2_000_000
    max_problems: int = 50
    xlsx_max_uncompressed_bytes: int = 500 * 1024 * 1024
    xlsx_max_entries: int = 1000
    xlsx_max_ratio: int = 100
