"""No table's columns are out of view on a 1366-pixel screen (nor 1920), and the menu is one line.

The tables hold money in columns that never wrap; at 1366 × 768 the wide ones
(the portfolio's fifteen columns, the analyst's "Difference" columns beside the
figures) used to run past their scroll box, so the columns on the right were
out of view until scrolled. The pages are the certificate states of
tests/states.py, on business date 2003-04-07, as the analyst sees them.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from tests.browser.conftest import login
from tests.factories import PASSWORD
from tests.states import build_world

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 768}
DESKTOP = {"width": 1920, "height": 1080}

# Each column header's box, its table's scroll box (the .table-responsive around it, else the
# page) and the window: a header is in view when its box lies within both, to the pixel.
_COLUMNS_OUT_OF_VIEW = """
() => {
  const out = [];
  const view = {left: 0, right: document.documentElement.clientWidth};
  for (const table of document.querySelectorAll("main table")) {
    if (!table.offsetParent) continue;  // not shown (a collapsed panel)
    const scroller = table.closest(".table-responsive");
    const box = scroller ? scroller.getBoundingClientRect() : view;
    const name = table.dataset.testid || table.closest("[data-testid]")?.dataset.testid || "table";
    for (const th of table.querySelectorAll("thead th")) {
      const r = th.getBoundingClientRect();
      const left = Math.max(box.left, view.left) - 1, right = Math.min(box.right, view.right) + 1;
      if (r.left < left || r.right > right) {
        out.push(`${name}: "${th.innerText.trim()}" spans ${Math.round(r.left)}–${Math.round(r.right)} px, in view ${Math.round(left + 1)}–${Math.round(right - 1)}`);
      }
    }
  }
  return out;
}
"""


def columns_out_of_view(page: Page) -> list[str]:
    """Every column header of every table shown in the page's main part that is not wholly in
    view without scrolling sideways: "portfolio-table: "Reporting" spans 1380–1460 px, …"."""
    return page.evaluate(_COLUMNS_OUT_OF_VIEW)


def navbar_lines(page: Page) -> int:
    """How many lines the menu bar's items take: 1 when every link, text and button has its
    middle on the brand's line and the bar is shorter than two lines of links (80 px)."""
    return page.evaluate(
        """() => {
          const brand = document.querySelector("nav.navbar .navbar-brand").getBoundingClientRect();
          const bar = document.querySelector("nav.navbar").getBoundingClientRect();
          const items = [...document.querySelectorAll(
            "nav.navbar .nav-link, nav.navbar .navbar-text, nav.navbar .btn")];
          const off = items.filter(e => e.offsetParent).filter(e => {
            const r = e.getBoundingClientRect(), middle = (r.top + r.bottom) / 2;
            return middle < brand.top || middle > brand.bottom;
          });
          return off.length || bar.height > 80 ? 2 : 1;
        }"""
    )


def _pages(world) -> list[str]:
    certificates, facilities = world.certificates, world.facilities
    accepted, approved = certificates["accepted"], certificates["approved"]
    return [
        reverse("home"),
        reverse("portfolio"),
        reverse("facility_list"),
        reverse("review_queue"),
        reverse("audit_list"),
        reverse("certificate_detail", args=[accepted.pk]),  # roll-forward, both "Difference"s
        reverse("certificate_detail", args=[certificates["submitted"].pk]),
        reverse("certificate_detail", args=[certificates["compared"].pk]),  # the comparison
        reverse("certificate_detail", args=[approved.pk]),
        reverse("certificate_list", args=[facilities["approved"].pk]),
        reverse("drill_customers", args=[accepted.pk]),
        reverse("drill_invoices", args=[accepted.pk, "BELLSOUTH"]),
        reverse("drill_inventory", args=[accepted.pk]),
        reverse("loan", args=[facilities["approved"].pk]),
        reverse("ledger", args=[facilities["approved"].pk]),
        reverse("fee_statement", args=[facilities["approved"].pk]) + "?month=2003-03",
        reverse("facility_detail", args=[facilities["approved"].pk]),
    ]


@pytest.mark.parametrize("size", [LAPTOP, DESKTOP], ids=["1366", "1920"])
def test_every_column_of_every_table_is_in_view_and_the_menu_is_one_line(
    page, live_server, settings, size
):
    settings.ABL_BUSINESS_DATE = "2003-04-07"
    world = build_world()
    page.set_viewport_size(size)
    login(page, live_server, "analyst", PASSWORD)

    out_of_view, menus = [], []
    for path in _pages(world):
        response = page.goto(live_server.url + path)
        assert response is not None, path
        assert response.status == 200, path
        out_of_view += [f"{path} {problem}" for problem in columns_out_of_view(page)]
        if (lines := navbar_lines(page)) != 1:
            menus.append(f"{path}: the menu takes {lines} lines")

    assert out_of_view + menus == []


def test_every_role_s_menu_is_one_line_on_a_laptop(page, live_server, settings):
    settings.ABL_BUSINESS_DATE = "2003-04-07"
    build_world()
    page.set_viewport_size(LAPTOP)

    lines = {}
    for username in ("admin", "rm", "cfo"):
        page.context.clear_cookies()
        login(page, live_server, username, PASSWORD)
        lines[username] = navbar_lines(page)
        assert columns_out_of_view(page) == [], username

    assert lines == {"admin": 1, "rm": 1, "cfo": 1}
