"""The analyst's queue of statements to accept, and the counts on the analyst's home."""

import datetime as dt

import pytest

from covenants.services import statements
from covenants.services.queries import statements_to_accept

pytestmark = pytest.mark.django_db


def test_the_queue_lists_each_statements_newest_version_not_yet_accepted(
    innotrac, abl_analyst, submit
):
    submit()
    restated = submit(reason="Audit adjustment", total_equity="39000000.00")
    projection = submit(kind="projection", period_end=dt.date(2004, 3, 31))

    assert list(statements_to_accept(abl_analyst)) == [restated, projection]

    statements.accept_statement(version=restated, user=abl_analyst)

    assert list(statements_to_accept(abl_analyst)) == [projection]


def test_the_queue_page_links_each_statement_and_says_when_nothing_waits(
    client, innotrac, abl_analyst, submit
):
    client.force_login(abl_analyst)
    assert "Nothing waiting." in client.get("/covenants/statements/").content.decode()

    version = submit()
    page = client.get("/covenants/statements/").content.decode()

    assert f'href="/statements/{version.pk}/"' in page
    assert "Nothing waiting." not in page


def test_the_analysts_home_counts_what_each_queue_lists(client, innotrac, abl_analyst, submit):
    submit()
    submit(kind="projection", period_end=dt.date(2004, 3, 31))
    client.force_login(abl_analyst)

    page = client.get("/").content.decode()

    assert "Statements to accept: 2" in page
    assert "Certificates to review: 0" in page
    assert "Advances to decide: 0" in page


def test_the_queue_is_the_banks(client, innotrac, cfo, submit):
    submit()
    client.force_login(cfo)

    assert client.get("/covenants/statements/").status_code == 404
