"""reporting/pdf.py: a template to PDF bytes, fetching only the application's own static files."""

import io

import pytest
from pypdf import PdfReader

from reporting.pdf import BASE_URL, RefusedResource, render_pdf, static_file


def test_a_static_file_is_served_from_the_application():
    path = static_file(BASE_URL + "static/css/compliance_certificate.css")

    assert path.name == "compliance_certificate.css"
    assert b"@page" in path.read_bytes()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:8000/static/css/abl.css",
        "https://cdn.example.com/static/css/abl.css",
        BASE_URL + "media/collateral/secret.csv",
        BASE_URL + "static/../config/settings.py",
        BASE_URL + "static/%2e%2e/config/settings.py",
        BASE_URL + "static/css/nothing-here.css",
        "data:text/css,body{}",
    ],
)
def test_anything_else_is_refused(url):
    with pytest.raises(RefusedResource):
        static_file(url)


def test_a_document_that_names_a_local_file_renders_without_it(tmp_path, settings):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET CONTENT")
    template_dir = tmp_path / "templates"
    template_dir.mkdir()
    (template_dir / "doc.html").write_text(
        '<html><body><p>Visible text</p><object data="file://{{ secret }}" type="text/plain">'
        '</object><img src="file://{{ secret }}"></body></html>'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [template_dir, *settings.TEMPLATES[0]["DIRS"]]}
    ]

    pdf = render_pdf("doc.html", {"secret": str(secret)})

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Visible text" in text
    assert "TOP SECRET" not in text
    assert pdf.startswith(b"%PDF")
