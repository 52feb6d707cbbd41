"""PDF documents rendered by WeasyPrint from a Django template: one generic renderer.

    pdf_bytes = render_pdf("covenants/compliance_certificate.html", {"certificate": ...})

The template is rendered with Django's engine, then laid out by WeasyPrint
(imported here, inside the function: it is slow to import and only a worker
needs it). A template links its stylesheet and images with `{% static %}`, as a
page does.

The renderer fetches nothing but the application's own static files: every URL
the document names is resolved against a private origin (BASE_URL), and only a
path under STATIC_URL on that origin is served, read through Django's
staticfiles finders (or STATIC_ROOT after collectstatic). Anything else — a
`file://` path, `http(s)` anywhere, `data:` — is refused, so a value that found
its way into the document cannot make the worker read a local file or call the
network; WeasyPrint leaves a refused resource out and logs it.

Used by the compliance certificate (covenants/services/certificates.py); the
borrowing base certificate's PDF is to use it too. See docs/covenants.md.
"""

from __future__ import annotations

import mimetypes
import posixpath
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string

# Never resolvable (RFC 6761 .invalid): relative URLs in the document resolve here.
BASE_URL = "https://abl-desk.invalid/"


class RefusedResource(ValueError):
    """A document asked for something that is not one of the application's static files."""


def static_file(url: str) -> Path:
    """The static file an URL names, or RefusedResource.

    >>> static_file("file:///etc/passwd")
    Traceback (most recent call last):
    ...
    reporting.pdf.RefusedResource: only the application's static files are fetched, not file:///etc/passwd
    """
    parts = urlsplit(url)
    base = urlsplit(BASE_URL)
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not parts.path.startswith(
        prefix
    ):
        raise RefusedResource(f"only the application's static files are fetched, not {url}")
    relative = posixpath.normpath(unquote(parts.path[len(prefix) :]))
    if relative.startswith(("../", "/")) or relative in {"..", "."}:
        raise RefusedResource(f"not a static file: {url}")
    from django.contrib.staticfiles import finders

    found = finders.find(relative)
    path = Path(found) if isinstance(found, str) else Path(settings.STATIC_ROOT) / relative
    if not path.is_file():
        raise RefusedResource(f"no such static file: {relative}")
    return path


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesFetcher(URLFetcher):
        """WeasyPrint's fetcher reduced to the application's static files."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            path = static_file(url)
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    return StaticFilesFetcher()


def render_html(template_name: str, context: dict[str, Any]) -> str:
    """The document's HTML, as WeasyPrint is given it (for tests and the benchmark)."""
    return render_to_string(template_name, context)


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """The template rendered with the context, as PDF bytes."""
    import weasyprint

    html = render_html(template_name, context)
    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher())
    pdf: bytes = document.write_pdf()
    return pdf
