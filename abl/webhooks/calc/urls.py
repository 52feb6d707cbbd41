"""Which endpoint URLs are acceptable, and which addresses are never fetched.

>>> url_problem("ftp://example.com/hook", https_only=False)
'Enter an http:// or https:// URL.'
>>> url_problem("http://example.com/hook", https_only=True)
'Enter an https:// URL: the events are sent only over HTTPS.'
>>> url_problem("https://example.com/hook", https_only=True) is None
True
>>> private_address("10.0.0.5"), private_address("203.0.113.9"), private_address("93.184.216.34")
(True, True, False)
"""

import ipaddress
from urllib.parse import urlsplit


def url_problem(url: str, *, https_only: bool) -> str | None:
    """Why this URL is refused as an endpoint, or None."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return "Enter a valid URL."
    if parts.scheme not in {"http", "https"}:
        return "Enter an http:// or https:// URL."
    if https_only and parts.scheme != "https":
        return "Enter an https:// URL: the events are sent only over HTTPS."
    if not parts.hostname:
        return "Enter a URL with a host name."
    if parts.username or parts.password:
        return "Leave the user name and password out of the URL."
    return None


def private_address(address: str) -> bool:
    """Whether an IP address is not on the public internet (loopback, private, link-local,
    reserved, documentation, multicast, unspecified): never fetched unless allowed."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast
