"""The public register of ranked OCOP products, and its JSON API."""

from __future__ import annotations

import math

from flask import Blueprint, abort, jsonify, make_response, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from .. import catalog, clock, rules
from ..extensions import db
from ..models import AdminUnit, Certificate, Commune, Product, certificates_valid_on
from ..permissions import PUBLIC, access
from ..rendering import render
from ..text import fold
from ..workflow import Stage

bp = Blueprint("public", __name__)

MAX_PER_PAGE = 100


class BadQuery(Exception):
    """A query parameter that cannot be used (HTTP 400)."""


def recognised_products(include_expired: bool = False):
    """Statement selecting the products the public may see: ranked with at least the
    star level their rule set recognises (★3 under QĐ 1048/2019, QĐ 148/2023 and QĐ 26/2026),
    whose certificate is valid today (36 months, QĐ 26/2026 Điều 4.3; revocation ends it at
    once, Điều 8) — or, with ``include_expired``, not revoked. Products recorded without a
    certificate stay listed; a passage replaced by a ranked upgrade does not."""
    recognised = or_(*(
        and_(Product.rule_set_code == rs.code, Product.stars >= rs.recognised_min_stars)
        for rs in rules.all_rule_sets()
    ))
    today = clock.today()
    if include_expired:
        cert_ok = ~Product.certificates.any(and_(Certificate.revoked_on.isnot(None), Certificate.revoked_on <= today))
    else:
        cert_ok = Product.certificates.any(certificates_valid_on(today))
    upgrade = aliased(Product)
    superseded = exists().where(upgrade.upgrade_of_id == Product.id, upgrade.stage == Stage.RANKED.value)
    return (
        select(Product)
        .where(Product.stage == Stage.RANKED.value, recognised, or_(~Product.certificates.any(), cert_ok),
               ~superseded)
        .options(selectinload(Product.commune), selectinload(Product.district), selectinload(Product.city))
    )


def apply_filters(stmt, args):
    """Apply the public filters ``stars``, ``group`` (branch), ``commune`` (id) and ``q``.

    :raises BadQuery: for a value that is not one of the allowed ones.
    """
    stars = args.get("stars", "").strip()
    if stars:
        if stars not in {"3", "4", "5"}:
            raise BadQuery("stars must be 3, 4 or 5")
        stmt = stmt.where(Product.stars == int(stars))
    group = args.get("group", "").strip()
    if group:
        if group not in catalog.BRANCHES:
            raise BadQuery(f"group must be one of {', '.join(catalog.BRANCHES)}")
        stmt = stmt.where(Product.branch == group)
    commune = args.get("commune", "").strip()
    if commune:
        if not commune.isdigit():
            raise BadQuery("commune must be a commune id")
        stmt = stmt.where(Product.commune_id == int(commune))
    q = fold(args.get("q", ""))[:200]
    if q:
        stmt = stmt.where(Product.search_text.contains(q, autoescape=True))
    return stmt


def paginate(stmt, args, default_per_page: int = 24):
    """Return ``(items, total, page, per_page, pages)`` for ``page``/``per_page`` in ``args``.

    :raises BadQuery: for a non-numeric page, or per_page outside 1–100.
    """
    try:
        page = int(args.get("page") or 1)
        per_page = int(args.get("per_page") or default_per_page)
    except ValueError as exc:
        raise BadQuery("page and per_page must be whole numbers") from exc
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise BadQuery(f"page ≥ 1 and 1 ≤ per_page ≤ {MAX_PER_PAGE}")
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pages = max(1, math.ceil(total / per_page))
    items = db.session.scalars(
        stmt.order_by(Product.stars.desc(), Product.name, Product.id).limit(per_page).offset((page - 1) * per_page)
    ).unique().all()
    return items, total, page, per_page, pages


def public_communes():
    """Communes that have at least one recognised product, by name."""
    ids = recognised_products().with_only_columns(Product.commune_id).distinct()
    return db.session.scalars(select(Commune).where(Commune.id.in_(ids)).order_by(Commune.name)).all()


@bp.get("/")
@access(PUBLIC)
def index():
    try:
        stmt = apply_filters(recognised_products(), request.args)
        items, total, page, per_page, pages = paginate(stmt, request.args)
        error = None
    except BadQuery:
        items, total, page, per_page, pages = [], 0, 1, 24, 1
        error = _l("Some filters were not valid and were ignored.")
        if request.args.get("page") or request.args.get("per_page"):
            error = _l("That page does not exist.")
        return render("public/index.html", "public/_results.html", status=400, products=items, total=total,
                      page=page, pages=pages, args={}, communes=public_communes(), error=error)
    args = {k: v for k, v in request.args.items() if k not in ("page",) and v}
    return render("public/index.html", "public/_results.html", products=items, total=total, page=page,
                  pages=pages, args=args, communes=public_communes(), error=error)


@bp.get("/p/<int:product_id>")
@access(PUBLIC)
def product(product_id: int):
    item = db.session.scalars(recognised_products(include_expired=True).where(Product.id == product_id)).first()
    if item is None:
        abort(404)
    return render("public/product.html", product=item, today=clock.today())


def product_json(p: Product) -> dict:
    """The public JSON shape of one product (``/api/v1/products``)."""
    return {
        "id": p.id,
        "name": p.name,
        "producer": p.producer.name,
        "producer_type": p.producer.type,
        "commune": p.commune.name if p.commune else None,
        "district": p.district.name if p.district else None,
        "city": p.city.name,
        "branch": p.branch,
        "product_set": p.product_set.name_vi if p.product_set else None,
        "stars": p.stars,
        "score": float(p.score) if p.score is not None else None,
        "ranked_on": p.ranked_on.isoformat() if p.ranked_on else None,
    }


@bp.get("/api/v1/products")
@access(PUBLIC)
def api_products():
    try:
        stmt = apply_filters(recognised_products(), request.args)
        items, total, page, per_page, pages = paginate(stmt, request.args, default_per_page=50)
    except BadQuery as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(
        items=[product_json(p) for p in items], total=total, page=page, per_page=per_page, pages=pages
    )


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


__all__ = ["bp", "AdminUnit"]
