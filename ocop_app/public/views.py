"""The public register of recognised OCOP products: list and search, product pages with a
QR code, the certificate check, open data (CSV, JSON, ``/api/v1/products``) and the
language switch. Everything here is readable by anyone and changes nothing."""

from __future__ import annotations

import csv
import io
import json

import segno
from flask import (Blueprint, Response, abort, current_app, jsonify, make_response, redirect, request,
                   url_for)
from sqlalchemy import func, or_, select
from werkzeug.http import is_resource_modified

from .. import database
from ..extensions import db
from ..models import AdminUnit, Certificate, CertificateStatus, Product
from ..permissions import PUBLIC, access
from ..rendering import render
from . import register as reg
from .register import BadQuery

bp = Blueprint("public", __name__)

#: Cache lifetime of public pages and data in shared caches (seconds); freshness is
#: re-checked with ETag / Last-Modified after that.
PUBLIC_MAX_AGE = 300


def permanent_url(product_id: int) -> str:
    """The product page's permanent address, as printed in its QR code.

    ``PUBLIC_BASE_URL`` (e.g. ``https://ocop.hanoi.gov.vn``) is used when configured, so a
    code printed on a package does not depend on how the request reached the server.
    """
    path = url_for("public.product", product_id=product_id)
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return f"{base}{path}" if base else url_for("public.product", product_id=product_id, _external=True)


def _page_context(rq, page, error=None):
    return dict(rq=rq, page=page, products=page.items if page else [], total=page.total if page else 0,
                links=page.links(rq.filter_args()) if page else {}, places=reg.place_options(rq),
                years=reg.years(), today=reg.local_today(), error=error)


@bp.get("/login")
@access(PUBLIC)
def login_shortcut():
    """``/login``, the address people type, leads to the sign-in page (``next`` kept)."""
    return redirect(url_for("auth.login", next=request.args.get("next") or None), 301)


@bp.get("/")
@access(PUBLIC)
def index():
    try:
        rq = reg.parse_query(request.args)
        page = reg.fetch_page(rq)
    except BadQuery as exc:
        q = (request.args.get("q") or "").strip()[:200]
        rq = reg.RegisterQuery(q=q)  # keep what the user typed; the faulty filter is named
        response = render("public/index.html", "public/_results.html", status=400,
                          **_page_context(rq, None, error=exc.message))
        return response
    response = render("public/index.html", "public/_results.html", **_page_context(rq, page))
    response.headers.add("Vary", "Cookie")
    return response


def _public_product(product_id: int) -> Product | None:
    """The product if the public register lists it, else ``None``."""
    return db.session.scalars(
        reg.with_public_loads(select(Product).where(Product.id == product_id, reg.recognised_clause()))
    ).unique().first()


def revoked_certificate(product_id: int) -> Certificate | None:
    """The product's latest certificate if it has been revoked as of today (local), else ``None``.

    A revoked certificate ends at once (QĐ 26/2026 Điều 8): the product leaves the register,
    but its page, reached from the QR code printed on the packaging, must say so.
    """
    cert = db.session.scalars(
        select(Certificate).where(Certificate.product_id == product_id)
        .order_by(Certificate.signed_on.desc(), Certificate.id.desc())
    ).first()
    if cert is None or cert.status_on(reg.local_today()) is not CertificateStatus.REVOKED:
        return None
    return cert


@bp.get("/p/<int:product_id>")
@access(PUBLIC)
def product(product_id: int):
    item = _public_product(product_id)
    if item is None:
        upgraded = db.session.scalar(select(Product.id).where(Product.upgrade_of_id == product_id,
                                                              reg.recognised_clause()))
        if upgraded is not None:  # the QR code on older packaging leads to the upgraded ranking
            return redirect(url_for("public.product", product_id=upgraded), code=302)
        revoked = revoked_certificate(product_id)
        if revoked is None:
            abort(404)
        # 410 Gone: the recognition no longer exists (crawlers drop the page), while a person who
        # scans the QR code on the packaging reads why: which certificate, revoked when, by which decision.
        response = render("public/revoked.html", status=410, product=revoked.product, certificate=revoked)
        response.headers.add("Vary", "Cookie")
        return response
    certificate = reg.current_certificate(item)
    today = reg.local_today()
    response = render("public/product.html", product=item, certificate=certificate,
                      certificate_state=certificate.status_on(today) if certificate else None,
                      permanent_url=permanent_url(item.id), today=today)
    response.headers.add("Vary", "Cookie")
    return response


@bp.get("/p/<int:product_id>/qr.svg")
@access(PUBLIC)
def product_qr(product_id: int):
    """The product page's permanent URL as a QR code (SVG, error correction M), for printing."""
    exists = db.session.scalar(select(Product.id).where(Product.id == product_id, reg.recognised_clause()))
    if exists is None and revoked_certificate(product_id) is None:
        abort(404)  # a revoked product keeps its code: the page it opens says the certificate was revoked
    qr = segno.make(permanent_url(product_id), error="m")
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=6, border=4, xmldecl=False, title=permanent_url(product_id))
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    if request.args.get("download") == "1":
        response.headers["Content-Disposition"] = f'attachment; filename="ocop-{product_id}-qr.svg"'
    return response


@bp.get("/favicon.ico")
@access(PUBLIC)
def favicon():
    """Browsers ask for ``/favicon.ico`` whatever the page links: send them to the SVG icon."""
    response = redirect(url_for("static", filename="img/favicon.svg"), code=302)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


# -- certificate check -------------------------------------------------------------
def find_certificate(number: str) -> Certificate | None:
    """The certificate numbered ``number`` (spaces trimmed; letter case ignored), or ``None``."""
    number = " ".join(number.split())
    return db.session.scalars(
        select(Certificate).where(or_(Certificate.number == number,
                                      func.upper(Certificate.number) == number.upper()))
    ).first()


@bp.get("/certificate")
@access(PUBLIC)
def certificate_check():
    number = (request.args.get("no") or "").strip()[:60]
    result = None
    status = 200
    if number:
        cert = find_certificate(number)
        if cert is None:
            result = {"state": "not_found"}
            status = 404
        else:
            state = cert.status_on(reg.local_today())
            public = cert.product.recognised
            result = {"state": state.value, "certificate": cert, "product": cert.product, "public": public}
    response = render("public/certificate.html", "public/_certificate_result.html", status=status,
                      number=number, result=result)
    response.headers.add("Vary", "Cookie")
    return response


# -- open data ----------------------------------------------------------------------
FIELDS = ("id", "name", "producer", "producer_type", "commune", "district", "city", "branch",
          "product_set_no", "product_set", "stars", "score", "ranked_year", "ranked_on",
          "certificate_no", "decision_no", "signed_on", "valid_until", "certificate_status", "url")


def product_json(p: Product, today, base: str | None = None) -> dict:
    """The public JSON shape of one product (``/api/v1/products`` and the JSON download).

    ``certificate_status`` is ``valid``, ``expired``, ``revoked`` or ``null`` (no certificate
    on record); ``stars`` are vouched for only while it is ``valid``.
    """
    cert = reg.current_certificate(p)
    return {
        "id": p.id,
        "name": p.name,
        "producer": p.producer.name,
        "producer_type": p.producer.type,
        "commune": p.commune.name if p.commune else None,
        "district": p.district.name if p.district else None,
        "city": p.city.name,
        "branch": p.branch,
        "product_set_no": p.product_set_no,
        "product_set": p.product_set.name_vi if p.product_set else None,
        "stars": p.stars,
        "score": float(p.score) if p.score is not None else None,
        "ranked_year": p.ranked_year,
        "ranked_on": p.ranked_on.isoformat() if p.ranked_on else None,
        "certificate_no": cert.number if cert else None,
        "decision_no": cert.decision_no if cert else None,
        "signed_on": cert.signed_on.isoformat() if cert else None,
        "valid_until": cert.valid_until.isoformat() if cert else None,
        "certificate_status": cert.status_on(today).value if cert else None,
        "url": f"{base}/p/{p.id}" if base is not None else permanent_url(p.id),
    }


def _conditional(rq, kind: str):
    """``(etag, last_modified, response_or_None)``: a 304 when the client's copy is current."""
    etag, last_modified = reg.freshness(rq, kind)
    if not is_resource_modified(request.environ, etag=etag, last_modified=last_modified):
        response = Response(status=304)
    else:
        response = None
    return etag, last_modified, response


def _cache_headers(response, etag, last_modified):
    response.set_etag(etag)
    response.last_modified = last_modified
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}, must-revalidate"
    return response


@bp.get("/api/v1/products")
@access(PUBLIC)
def api_products():
    try:
        rq = reg.parse_query(request.args, default_per_page=50)
        etag, last_modified, not_modified = _conditional(rq, f"api:{request.query_string.decode()}")
        if not_modified is not None:
            return _cache_headers(not_modified, etag, last_modified)
        if not (rq.after or rq.before or rq.last or rq.page):
            rq.page = 1  # the API numbers its pages unless a cursor is given
        page = reg.fetch_page(rq)
    except BadQuery as exc:
        return jsonify(error=str(exc)), 400
    today = reg.local_today()
    links = {k: url_for("public.api_products", **v, per_page=rq.per_page) for k, v in
             page.links(rq.filter_args()).items()}
    base = permanent_url(0)[: -len("/p/0")]
    body = {
        "items": [product_json(p, today, base) for p in page.items],
        "total": page.total,
        "per_page": page.per_page,
        "page": page.page,
        "pages": page.pages if page.pages is not None else max(1, -(-page.total // page.per_page)),
        "links": links,
    }
    return _cache_headers(jsonify(body), etag, last_modified)


@bp.get("/open-data")
@access(PUBLIC)
def open_data():
    response = render("public/open_data.html", fields=FIELDS, per_page_max=reg.MAX_PER_PAGE,
                      example_id=db.session.scalar(select(func.min(Product.id)).where(reg.recognised_clause())))
    response.headers.add("Vary", "Cookie")
    return response


def _download(kind: str):
    try:
        rq = reg.parse_query(request.args)
    except BadQuery as exc:
        return jsonify(error=str(exc)), 400
    etag, last_modified, not_modified = _conditional(rq, kind)
    if not_modified is not None:
        return _cache_headers(not_modified, etag, last_modified)
    today = reg.local_today()
    generated = today.isoformat()
    base = permanent_url(0)[: -len("/p/0")]
    source = url_for("public.open_data", _external=True)
    app = current_app._get_current_object()

    def rows():
        # The body is sent after the request has ended: read in an app context (and a
        # session) of its own, as a read-only transaction that never blocks writers.
        with app.app_context():
            database.read_only_intent.set(True)
            try:
                for p in reg.iter_register(rq):
                    yield product_json(p, today, base)
            finally:
                db.session.remove()

    def csv_chunks():
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\r\n")
        buffer.write("\ufeff")  # so that Excel reads the Vietnamese as UTF-8
        writer.writeheader()
        for n, item in enumerate(rows(), 1):
            writer.writerow({k: ("" if v is None else v) for k, v in item.items()})
            if n % 500 == 0:
                yield buffer.getvalue()
                buffer.seek(0), buffer.truncate()
        yield buffer.getvalue()

    def json_chunks():
        yield '{"generated_on": %s, "source": %s, "items": [' % (json.dumps(generated), json.dumps(source))
        for n, item in enumerate(rows()):
            yield ("," if n else "") + "\n" + json.dumps(item, ensure_ascii=False)
        yield "\n]}\n"

    if kind == "csv":
        response = Response(csv_chunks(), mimetype="text/csv")
    else:
        response = Response(json_chunks(), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="ocop-products-{generated}.{kind}"'
    return _cache_headers(response, etag, last_modified)


@bp.get("/open-data/ocop-products.csv")
@access(PUBLIC)
def download_csv():
    return _download("csv")


@bp.get("/open-data/ocop-products.json")
@access(PUBLIC)
def download_json():
    return _download("json")


@bp.post("/lang/<code>")
@access(PUBLIC)
def set_language(code: str):
    from .. import LANGUAGES
    from ..auth.views import safe_next

    if code not in LANGUAGES:
        abort(404)
    response = make_response(redirect(safe_next(request.form.get("next")) or url_for("public.index"), code=303))
    response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


__all__ = ["bp", "AdminUnit", "CertificateStatus"]


@bp.get("/register.xlsx")
@access(PUBLIC)
def register_xlsx():
    """The public register, with the page's filters, as XLSX (``ocop_app.reports.xlsx``)."""
    from flask_babel import gettext as _

    from ..reports import exports
    from ..reports.xlsx import workbook_bytes, xlsx_response

    try:
        rq = reg.parse_query(request.args)
    except BadQuery as exc:
        abort(400, description=str(exc))
    columns, items = exports.numbered(exports.public_columns(), list(reg.iter_register(rq)))
    data = workbook_bytes(_("Recognised OCOP products"), columns, items,
                          subtitle=_("Products ranked 3 stars or more under the OCOP programme."))
    return xlsx_response(data, "san-pham-ocop.xlsx")
