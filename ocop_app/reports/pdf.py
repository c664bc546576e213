"""Printable documents as PDF (WeasyPrint), with Vietnamese text in DejaVu fonts.

WeasyPrint needs Pango (Debian: libpango-1.0-0, libpangoft2-1.0-0) and the
DejaVu fonts (fonts-dejavu-core); ``tools/setup-system.sh`` (tests) and
``tools/setup-runtime.sh`` (``make run``) install them.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

from flask import Response, current_app, render_template, url_for


def render_pdf(template: str, **context) -> bytes:
    """Render ``template`` (HTML with its print CSS) to PDF bytes."""
    import weasyprint  # imported here: loading Pango takes a moment
    from flask_babel import force_locale

    with force_locale("vi"):  # official documents are in Vietnamese whatever the UI language
        html = render_template(template, **context)
    return weasyprint.HTML(string=html, base_url=current_app.static_folder).write_pdf()


def pdf_response(data: bytes, filename: str, *, download: bool = False) -> Response:
    """A PDF response shown in the browser (or downloaded), with a UTF-8-safe file name."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "-", filename.encode("ascii", "ignore").decode()) or "document.pdf"
    disposition = "attachment" if download else "inline"
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def public_url(endpoint: str, **values) -> str:
    """Absolute URL of a public page, for QR codes: ``PUBLIC_BASE_URL`` if configured
    (the address the public reaches the app at), else this request's host."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def qr_data_uri(url: str) -> str:
    """A QR code of ``url`` (error correction M) as a PNG data URI (library ``segno``), 10 px a module
    so it stays sharp when printed at about 3 cm."""
    import segno

    return segno.make(url, error="m", micro=False).png_data_uri(scale=10, border=2)


def quarter_range(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First and last day of ``quarter`` (1–4) of ``year``.

    :raises ValueError: for a quarter outside 1–4.
    """
    if quarter not in (1, 2, 3, 4):
        raise ValueError(quarter)
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1) - dt.timedelta(days=1)
    return start, end
