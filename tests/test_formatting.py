"""How pages show money and percentages (abl/templatetags/abl_format.py): one rule each, the
same on the dashboard's rows (reporting/presenters.py) as in the templates."""

import datetime as dt
from decimal import Decimal

import pytest

from abl.templatetags.abl_format import money, percent


@pytest.mark.parametrize(
    ("fraction", "shown"),
    [
        ("0.1534", "15.34%"),
        ("0.150050", "15.01%"),  # a tie rounds half-up, as every percentage is shown
        ("0.150049", "15.00%"),
        ("-0.000050", "-0.01%"),
        (None, "—"),
        ("not a number", "—"),
    ],
)
def test_a_percentage_is_shown_to_two_places_rounded_half_up(fraction, shown):
    assert percent(fraction) == shown


def test_money_shows_negatives_in_parentheses_and_nothing_as_a_dash():
    assert money(Decimal("-1234.5")) == "(1,234.50)"
    assert money(None) == "—"


def test_the_dashboards_rows_show_them_as_the_templates_do():
    from reporting.presenters import _row

    line = {"pk": 1, "name": "Acme", "position__as_of": dt.date(2003, 4, 7)}
    line |= {
        f"position__{name}": None
        for name in (
            "commitment",
            "borrowing_base",
            "excess_availability",
            "utilisation",
            "next_certificate_due",
            "overdue_since",
            "tightest_headroom_pct",
            "frequency",
            "covenant_status",
        )
    }
    line |= {
        "position__outstanding": Decimal("-1234.5"),
        "position__excess_availability_pct": Decimal("0.150050"),
        "position__over_advanced": False,
        "position__overdue_items": 0,
        "position__tightest_covenant": "",
        "position__projected_breaches": 0,
        "position__fees_this_month": Decimal("0"),
        "position__exception_count": 0,
        "position__certificate_stale": False,
    }

    row = _row(line, on=dt.date(2003, 4, 7), url="/portfolio/facilities/{}/")

    assert '<td class="money">(1,234.50)</td>' in row
    assert '<td class="money">15.01%</td>' in row
