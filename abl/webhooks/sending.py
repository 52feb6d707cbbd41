"""One signed POST to an endpoint (Standard Webhooks), and what the receiver answered.

The host is resolved once and the connection made to the address that was checked, so a
name cannot point at a public address when checked and a private one when fetched. A
redirect is an answer like any other (not followed), and the receiver has
ABL_WEBHOOK_TIMEOUT_SECONDS to answer.
"""

import datetime as dt
import http.client
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from abl.webhooks.calc.urls import private_address

USER_AGENT = "ABL-Desk-Webhooks/1"
READ_AT_MOST = 64 * 1024  # of the receiver's answer: only its status matters


@dataclass(frozen=True)
class Answer:
    """The receiver's status code, or why there was none."""

    status: int | None
    error: str = ""


def signed_headers(*, secret: str, message_id: str, at: dt.datetime, body: str) -> dict[str, str]:
    """The Standard Webhooks headers for `body`, signed with the endpoint's secret."""
    from standardwebhooks.webhooks import Webhook

    signature = Webhook(secret).sign(msg_id=message_id, timestamp=at, data=body)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


def post(url: str, body: str, headers: dict[str, str]) -> Answer:
    """POST `body` (JSON) to `url`; never raises for what the network or the receiver does."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = _address(host, port)
    except (OSError, UnicodeError) as error:
        return Answer(None, f"{host} could not be resolved: {error}")
    if address is None:
        return Answer(None, f"{host} resolves to a private address, which is not fetched.")
    timeout = settings.ABL_WEBHOOK_TIMEOUT_SECONDS
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = _PinnedHTTPS(host, port, address=address, timeout=timeout)
    else:
        connection = _PinnedHTTP(host, port, address=address, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    sent = {
        **headers,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    try:
        connection.request("POST", path, body=body.encode(), headers=sent)
        response = connection.getresponse()
        response.read(READ_AT_MOST)
        return Answer(response.status)
    except (OSError, http.client.HTTPException, ssl.SSLError) as error:
        return Answer(None, f"{type(error).__name__}: {error}"[:1000])
    finally:
        connection.close()


def _address(host: str, port: int) -> str | None:
    """The address to connect to; None when the host has a private one and those are not
    fetched (any of its addresses: the one used must not be chosen by the resolver)."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [str(info[4][0]) for info in found]
    if not settings.ABL_WEBHOOK_ALLOW_PRIVATE_ADDRESSES and any(map(private_address, addresses)):
        return None
    return addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        try:
            # The certificate is checked against the URL's host name, not the address.
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]
        except BaseException:
            sock.close()
            raise
