"""The pure rules of webhooks: the body, the retry schedule, the URLs refused."""

import datetime as dt

import pytest

from abl.webhooks.calc.events import EVENT_TYPES, TEST, payload
from abl.webhooks.calc.retries import MAX_ATTEMPTS, retry_after, succeeded
from abl.webhooks.calc.urls import private_address, url_problem


def test_payload_carries_the_event_its_facility_and_data():
    body = payload(
        event_id=12,
        event_type="certificate.approved",
        facility_id=4,
        created_at=dt.datetime(2003, 4, 1, 12, 0, tzinfo=dt.UTC),
        data={"certificate": 9},
    )

    assert body == {
        "id": "evt_12",
        "type": "certificate.approved",
        "timestamp": "2003-04-01T12:00:00+00:00",
        "facility": 4,
        "data": {"certificate": 9},
    }


def test_the_test_event_is_not_subscribable():
    assert TEST not in EVENT_TYPES


@pytest.mark.parametrize(
    ("attempts", "after"),
    [
        (1, dt.timedelta(minutes=1)),
        (2, dt.timedelta(minutes=5)),
        (3, dt.timedelta(minutes=30)),
        (4, dt.timedelta(hours=2)),
        (5, dt.timedelta(hours=6)),
        (6, None),
    ],
)
def test_retry_schedule_backs_off_then_gives_up(attempts, after):
    assert retry_after(attempts) == after


def test_six_attempts_in_all():
    assert MAX_ATTEMPTS == 6
    assert retry_after(MAX_ATTEMPTS) is None
    assert retry_after(MAX_ATTEMPTS - 1) is not None


def test_retry_schedule_refuses_zero_attempts():
    with pytest.raises(ValueError, match="attempts counts from 1, not 0"):
        retry_after(0)


@pytest.mark.parametrize(
    ("status", "delivered"),
    [
        (200, True),
        (204, True),
        (299, True),
        (301, False),
        (404, False),
        (500, False),
        (None, False),
    ],
)
def test_only_a_2xx_delivers(status, delivered):
    assert succeeded(status) is delivered


@pytest.mark.parametrize(
    ("url", "https_only", "problem"),
    [
        ("https://hooks.example.com/abl", True, None),
        ("http://hooks.example.com/abl", False, None),
        (
            "http://hooks.example.com/abl",
            True,
            "Enter an https:// URL: the events are sent only over HTTPS.",
        ),
        ("ftp://hooks.example.com/abl", False, "Enter an http:// or https:// URL."),
        ("javascript:alert(1)", False, "Enter an http:// or https:// URL."),
        ("hooks.example.com/abl", False, "Enter an http:// or https:// URL."),
        ("https:///abl", False, "Enter a URL with a host name."),
        (
            "https://user:pw@hooks.example.com/",
            False,
            "Leave the user name and password out of the URL.",
        ),
        ("https://hooks.example.com:port/", False, "Enter a valid URL."),
    ],
)
def test_endpoint_urls_refused(url, https_only, problem):
    assert url_problem(url, https_only=https_only) == problem


@pytest.mark.parametrize(
    ("address", "private"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),
        ("0.0.0.0", True),
        ("::1", True),
        ("fe80::1", True),
        ("::ffff:127.0.0.1", True),
        ("224.0.0.1", True),
        ("93.184.216.34", False),
        ("2606:4700::1111", False),
    ],
)
def test_private_addresses_are_known(address, private):
    assert private_address(address) is private
