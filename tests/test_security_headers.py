"""Every kind of page answers with the security headers, and no template carries inline script.

The policy itself is config/settings.py's CONTENT_SECURITY_POLICY; the browser
tests (tests/browser/conftest.py) fail when a page breaks it.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))

pytestmark = pytest.mark.django_db


def _directives(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    parts = (p.split() for p in response["Content-Security-Policy"].split(";") if p.strip())
    return {name: sources for name, *sources in parts}


def _assert_security_headers(response) -> None:
    directives = _directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["connect-src"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "Content-Security-Policy-Report-Only" not in response
    permissions = response["Permissions-Policy"].split(", ")
    assert {"camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"} <= set(
        permissions
    )
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_login_page_sends_security_headers(client):
    response = client.get("/login/")

    assert response.status_code == 200
    _assert_security_headers(response)


def test_home_page_sends_security_headers(client, borrower_user):
    client.force_login(borrower_user)

    response = client.get("/")

    assert response.status_code == 200
    _assert_security_headers(response)


def test_certificate_page_polling_with_htmx_sends_security_headers(
    client, borrower_user, pending_certificate
):
    client.force_login(borrower_user)

    page = client.get(f"/certificates/{pending_certificate.pk}/")
    panel = client.get(f"/certificates/{pending_certificate.pk}/files/", HTTP_HX_REQUEST="true")

    assert page.status_code == 200
    assert 'hx-trigger="every 1s"' in page.content.decode()
    _assert_security_headers(page)
    assert panel.status_code == 200
    _assert_security_headers(panel)


def test_admin_page_sends_security_headers(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    _assert_security_headers(response)


def test_redirect_sends_security_headers(client):
    response = client.get("/")

    assert response.status_code == 302
    _assert_security_headers(response)


def test_every_page_tells_htmx_not_to_eval(client):
    content = client.get("/login/").content.decode()

    assert (
        '<meta name="htmx-config" content=\'{"allowEval": false, "allowScriptTags": false, '
        '"includeIndicatorStyles": false}\'>'
    ) in content


# The structure rule behind script-src 'self' and style-src 'self': behaviour
# lives in static/js/abl.js and looks in static/css/abl.css, never in a template.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)


def _offences(pattern: re.Pattern[str]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}: {match.group(0)[:80]}"
        for path in TEMPLATES
        for match in pattern.finditer(path.read_text())
    ]


def test_templates_are_found():
    assert ROOT / "templates" / "base.html" in TEMPLATES


@pytest.mark.parametrize(
    "pattern",
    [INLINE_SCRIPT, HANDLER, JAVASCRIPT_URL, INLINE_STYLE],
    ids=["inline-script", "on-handler", "javascript-url", "inline-style"],
)
def test_no_template_has_inline_script_or_style(pattern):
    assert _offences(pattern) == []


@pytest.mark.parametrize(
    ("html", "pattern"),
    [
        ("<script>alert(1)</script>", INLINE_SCRIPT),
        ('<script type="module">', INLINE_SCRIPT),
        ('<form method="post" onsubmit="return confirm(\'x\')">', HANDLER),
        ("<button\n  onclick='go()'>", HANDLER),
        ('<a href="javascript:void(0)">', JAVASCRIPT_URL),
        ('<div class="progress" style="width: 40%">', INLINE_STYLE),
        ("<style>p { color: red }</style>", INLINE_STYLE),
    ],
)
def test_structure_rule_catches_inline_code(html, pattern):
    assert pattern.search(html)


@pytest.mark.parametrize(
    ("html", "pattern"),
    [
        ('<script src="/static/js/abl.js"></script>', INLINE_SCRIPT),
        ('<form method="post" data-confirm="Discard this draft?">', HANDLER),
        ("<p>Text, not a tag: onboarding=done</p>", HANDLER),
        ('<progress class="file-progress" value="40" max="100">', INLINE_STYLE),
    ],
)
def test_structure_rule_allows_what_the_policy_allows(html, pattern):
    assert not pattern.search(html)
