"""Queries behind the public register: filters, Vietnamese search, keyset pages, freshness.

Everything here reads; nothing writes. A page of the register costs a fixed number of
SQL statements whatever the size of the register (see ``tests/test_public_register.py``
and ``bench/public_listing.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, column, exists, func, literal_column, or_, select, table, text, tuple_
from sqlalchemy.orm import aliased, joinedload, selectinload

from .. import catalog, clock, rules
from ..extensions import db
from ..models import AdminUnit, Certificate, CertificateStatus, Product
from ..text import fold
from ..workflow import Stage

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_PER_PAGE = 100
#: OCOP began as a national programme in 2018 (QĐ 490/QĐ-TTg); Quảng Ninh ran it from 2013.
FIRST_YEAR = 2013
MAX_TOKENS = 8


class BadQuery(Exception):
    """A query parameter that cannot be used (HTTP 400). ``str(exc)`` is an English message
    for the API; ``exc.message`` a translatable one for pages."""

    def __init__(self, api_message: str, message=None):
        super().__init__(api_message)
        self.message = message


def local_today() -> dt.date:
    """Today's date in Vietnam (certificate validity is counted in local days); see :mod:`ocop_app.clock`."""
    return clock.today()


# -- what the public may see ------------------------------------------------------
def recognised_clause(for_count: bool = False):
    """SQL condition for "ranked with at least the star level its rule set recognises".

    Every rule set so far recognises ★3 and up (QĐ 1048/2019, QĐ 148/2023, QĐ 26/2026,
    Điều 3.3), so this is normally ``stage = 'ranked' AND stars >= 3``, which the
    register's indexes serve; differing rule sets get one branch each. A product whose
    certificate was revoked (QĐ 26/2026 Điều 8: it ends at once) or whose passage was replaced
    by a ranked upgrade leaves the register; an expired one stays, shown as expired, never valid.
    """
    shown = _not_withdrawn_from_public()
    sets = rules.all_rule_sets()
    minima = {rs.recognised_min_stars for rs in sets}
    if len(minima) == 1:
        # Pages are read in the ★-first index (stars_desc = -stars); counts in the narrow
        # (stage, stars) one, which covers them.
        low = minima.pop()
        if for_count:
            return and_(Product.stage == Stage.RANKED.value, Product.stars >= low, shown)
        return and_(Product.stage == Stage.RANKED.value, Product.stars_desc <= -low, shown)
    return and_(Product.stage == Stage.RANKED.value, shown, or_(*(
        and_(Product.rule_set_code == rs.code, Product.stars >= rs.recognised_min_stars) for rs in sets
    )))


def _not_withdrawn_from_public():
    """No revoked certificate (as of today) and no ranked upgrade replacing this passage."""
    today = local_today()
    revoked = exists().where(Certificate.product_id == Product.id, Certificate.revoked_on.isnot(None),
                             Certificate.revoked_on <= today)
    upgrade = aliased(Product)
    superseded = exists().where(upgrade.upgrade_of_id == Product.id, upgrade.stage == Stage.RANKED.value)
    return and_(~revoked, ~superseded)


def with_public_loads(stmt):
    """Load what a register row shows in the same statement (units, producer) plus one for certificates."""
    return stmt.options(
        joinedload(Product.commune), joinedload(Product.district), joinedload(Product.city),
        selectinload(Product.certificates),
    )


def current_certificate(product: Product) -> Certificate | None:
    """The product's latest certificate (by signing date), or ``None``."""
    return product.certificates[-1] if product.certificates else None


def certificate_status(product: Product, today: dt.date | None = None) -> CertificateStatus | None:
    """Status of the product's current certificate on ``today`` (local), ``None`` without one.

    A star is shown as valid only when this is :attr:`CertificateStatus.VALID`.
    """
    cert = current_certificate(product)
    return cert.status_on(today or local_today()) if cert else None


# -- the query a request asks for ------------------------------------------------
SORTS = ("stars", "name")


@dataclass
class RegisterQuery:
    """The filters, search and page a request asks for (parsed from query parameters)."""

    q: str = ""
    tokens: list[str] = field(default_factory=list)
    stars: int | None = None
    group: str | None = None
    product_set: int | None = None
    city: int | None = None
    district: int | None = None
    commune: int | None = None
    year: int | None = None
    sort: str = "stars"
    sort_given: bool = False
    after: int | None = None
    before: int | None = None
    last: bool = False
    page: int | None = None
    per_page: int = 24

    @property
    def relevance(self) -> bool:
        """Searching without an explicit sort: ordered by relevance, pages by number."""
        return bool(self.tokens)

    def filter_args(self) -> dict[str, str]:
        """The filters and search as query parameters (for shareable links), without the page."""
        out = {"q": self.q, "stars": self.stars, "group": self.group, "product_set": self.product_set,
               "city": self.city, "district": self.district, "commune": self.commune, "year": self.year,
               "sort": self.sort if self.sort_given else None}
        return {k: str(v) for k, v in out.items() if v not in (None, "")}

    @property
    def filtered(self) -> bool:
        return bool(self.filter_args().keys() - {"sort"})


def _int(args, name: str, low: int, high: int, api_message: str, message) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadQuery(api_message, message)
    return int(raw)


def search_tokens(q: str) -> list[str]:
    """Folded words of a search: ``"BÁNH  Chưng!"`` → ``["banh", "chung"]`` (at most 8)."""
    return re.findall(r"[a-z0-9]+", fold(q))[:MAX_TOKENS]


def parse_query(args, default_per_page: int = 24) -> RegisterQuery:
    """Read a :class:`RegisterQuery` from request ``args``.

    Parameters: ``q``, ``stars`` (3–5), ``group`` (branch code), ``product_set`` (1–26),
    ``city``/``district``/``commune`` (unit ids), ``year`` (of recognition), ``sort``
    (``stars`` or ``name``), and the page: ``after``/``before`` (a product id: keyset),
    ``last=1``, or ``page`` (numbered; search results), ``per_page`` (1–100).

    :raises BadQuery: naming the first parameter that cannot be used.
    """
    from flask_babel import lazy_gettext as _l

    rq = RegisterQuery(per_page=default_per_page)
    rq.q = (args.get("q") or "").strip()[:200]
    rq.tokens = search_tokens(rq.q)
    rq.stars = _int(args, "stars", 3, 5, "stars must be 3, 4 or 5", _l("Stars must be 3, 4 or 5."))
    group = (args.get("group") or "").strip()
    if group and group not in catalog.BRANCHES:
        raise BadQuery(f"group must be one of {', '.join(catalog.BRANCHES)}", _l("Unknown product group."))
    rq.group = group or None
    rq.product_set = _int(args, "product_set", 1, 26, "product_set must be a product set number 1–26", _l("Unknown product set."))
    unit_message = _l("Unknown place.")
    rq.city = _int(args, "city", 1, 2**31 - 1, "city must be a unit id", unit_message)
    rq.district = _int(args, "district", 1, 2**31 - 1, "district must be a unit id", unit_message)
    rq.commune = _int(args, "commune", 1, 2**31 - 1, "commune must be a commune id", unit_message)
    rq.year = _int(args, "year", FIRST_YEAR, 2100, f"year must be {FIRST_YEAR} or later",
                   _l("Unknown year of recognition."))
    sort = (args.get("sort") or "").strip()
    if sort and sort not in SORTS:
        raise BadQuery("sort must be stars or name", _l("Unknown sort order."))
    rq.sort, rq.sort_given = sort or "stars", bool(sort)
    page_message = _l("That page does not exist.")
    rq.after = _int(args, "after", 1, 2**31 - 1, "after must be a product id", page_message)
    rq.before = _int(args, "before", 1, 2**31 - 1, "before must be a product id", page_message)
    rq.last = (args.get("last") or "") == "1"
    rq.page = _int(args, "page", 1, 10**6, "page must be a whole number ≥ 1", page_message)
    per_page = _int(args, "per_page", 1, MAX_PER_PAGE, f"per_page must be 1–{MAX_PER_PAGE}", page_message)
    if (args.get("per_page") or "").strip() and per_page is None:
        raise BadQuery(f"per_page must be 1–{MAX_PER_PAGE}", page_message)
    rq.per_page = per_page or default_per_page
    if sum(bool(x) for x in (rq.after, rq.before, rq.last, rq.page)) > 1:
        raise BadQuery("use only one of after, before, last and page", page_message)
    return rq


# -- building the statement --------------------------------------------------------
def _dialect() -> str:
    return db.session.get_bind().dialect.name


def filtered(rq: RegisterQuery, for_count: bool = False):
    """``select(Product)`` of recognised products narrowed by ``rq``'s filters and search,
    and the relevance order (a list of ORDER BY terms; empty without a search).
    ``for_count`` words the star conditions for the index that counts best."""
    stmt = select(Product).where(recognised_clause(for_count))
    if rq.stars:
        stmt = stmt.where(Product.stars == rq.stars if for_count else Product.stars_desc == -rq.stars)
    if rq.group:
        stmt = stmt.where(Product.branch == rq.group)
    if rq.product_set:
        stmt = stmt.where(Product.product_set_no == rq.product_set)
    if rq.city:
        stmt = stmt.where(Product.city_id == rq.city)
    if rq.district:
        stmt = stmt.where(Product.district_id == rq.district)
    if rq.commune:
        stmt = stmt.where(Product.commune_id == rq.commune)
    if rq.year:
        stmt = stmt.where(Product.ranked_year == rq.year)
    relevance = []
    if rq.tokens:
        stmt, relevance = _search(stmt, rq.tokens)
    return stmt, relevance


def _search(stmt, tokens: list[str]):
    """Full-text search on the folded ``Product.search_text`` (name, producer, place).

    Every word must match, each as a prefix (people type as they go); products whose
    name starts with the words come first, then the engine's rank (SQLite FTS5 bm25;
    PostgreSQL ``ts_rank`` over ``to_tsvector('simple', …)``, GIN-indexed).
    """
    phrase = " ".join(tokens)
    starts = case((Product.search_text.startswith(phrase, autoescape=True), 0), else_=1)
    if _dialect() == "sqlite":
        fts = table("product_fts", column("rowid"))
        match = " ".join(f'"{t}"*' for t in tokens)
        stmt = stmt.join(fts, fts.c.rowid == Product.id).where(literal_column("product_fts").op("MATCH")(match))
        return stmt, [starts, literal_column("product_fts.rank")]
    simple = literal_column("'simple'::regconfig")
    vector = func.to_tsvector(simple, Product.search_text)
    query = func.to_tsquery(simple, " & ".join(f"{t}:*" for t in tokens))
    stmt = stmt.where(vector.op("@@")(query))
    return stmt, [starts, func.ts_rank(vector, query).desc()]


def _order_columns(sort: str):
    if sort == "name":
        return [(Product.sort_key, False), (Product.id, False)]
    # ★ high to low as ``stars_desc`` ascending: one direction, so a row-value comparison can seek.
    return [(Product.stars_desc, False), (Product.sort_key, False), (Product.id, False)]  # (column, descending)


def _keyset_clause(order, anchor_id: int, forward: bool):
    """Rows strictly after (``forward``) or before the row of product ``anchor_id`` in ``order``
    (one statement reads the anchor's sort values; ``None`` if there is no such product).

    Every column of ``order`` goes the same way, so this is one row-value comparison
    with constants, which SQLite and PostgreSQL answer by seeking in the order's index.
    """
    values = db.session.execute(
        select(*(col for col, _ in order)).where(Product.id == anchor_id)
    ).first()
    if values is None:
        return None
    assert not any(desc for _, desc in order)
    left = tuple_(*(col for col, _ in order))
    return left > tuple(values) if forward else left < tuple(values)


@dataclass
class Page:
    """One page of the register and how to reach its neighbours."""

    items: list[Product]
    total: int
    per_page: int
    mode: str  # "keyset" or "numbered"
    page: int | None = None  # numbered mode
    pages: int | None = None
    has_prev: bool = False
    has_next: bool = False

    def links(self, args: dict[str, str]) -> dict[str, dict[str, str]]:
        """Query parameters of the first/prev/next/last pages that exist (for ``url_for``)."""
        out = {}
        if self.mode == "numbered":
            if self.page and self.page > 1:
                out["first"] = dict(args)
                out["prev"] = {**args, "page": str(self.page - 1)} if self.page > 2 else dict(args)
            if self.pages and self.page and self.page < self.pages:
                out["next"] = {**args, "page": str(self.page + 1)}
                out["last"] = {**args, "page": str(self.pages)}
            return out
        if self.has_prev and self.items:
            out["first"] = dict(args)
            out["prev"] = {**args, "before": str(self.items[0].id)}
        if self.has_next and self.items:
            out["next"] = {**args, "after": str(self.items[-1].id)}
            out["last"] = {**args, "last": "1"}
        return out


def count(stmt) -> int:
    """Number of rows ``stmt`` selects (one statement)."""
    return db.session.scalar(select(func.count()).select_from(stmt.with_only_columns(Product.id).subquery()))


def fetch_page(rq: RegisterQuery) -> Page:
    """The page ``rq`` asks for: two statements for the rows (rows, certificates) and one count.

    Without a search, pages are keyset pages on the sort order (``after``/``before`` a
    product id, ``last``), so the last page costs what the first does. With a search,
    rows are ordered by relevance and pages are numbered (every match is ranked anyway).
    """
    total = count(filtered(rq, for_count=True)[0])
    stmt, relevance = filtered(rq)
    order = _order_columns(rq.sort)
    terms = [col.desc() if desc else col.asc() for col, desc in order]
    if rq.relevance or rq.page:
        page = rq.page or 1
        pages = max(1, -(-total // rq.per_page))
        ordering = (relevance if rq.relevance and not rq.sort_given else []) + terms
        items = db.session.scalars(
            with_public_loads(stmt).order_by(*ordering).limit(rq.per_page).offset((page - 1) * rq.per_page)
        ).unique().all()
        return Page(list(items), total, rq.per_page, "numbered", page=page, pages=pages,
                    has_prev=page > 1, has_next=page < pages)
    if rq.after or rq.before:
        clause = _keyset_clause(order, rq.after or rq.before, forward=bool(rq.after))
        if clause is None:  # the product the link pointed at is gone: start again from the top
            rq.after = rq.before = None
        else:
            stmt = stmt.where(clause)
    backward = bool(rq.before or rq.last)
    if backward:
        terms = [col.asc() if desc else col.desc() for col, desc in order]
    rows = list(db.session.scalars(
        with_public_loads(stmt).order_by(*terms).limit(rq.per_page + 1)
    ).unique().all())
    more = len(rows) > rq.per_page
    rows = rows[: rq.per_page]
    if backward:
        rows.reverse()
        return Page(rows, total, rq.per_page, "keyset", has_prev=more, has_next=bool(rq.before))
    return Page(rows, total, rq.per_page, "keyset", has_prev=bool(rq.after), has_next=more)


def iter_register(rq: RegisterQuery, batch: int = 1000):
    """Every product ``rq`` selects, in id order, ``batch`` rows (two statements) at a time.

    Used by the downloads; ignores ``rq``'s page.
    """
    stmt, _ = filtered(rq)
    last_id = 0
    while True:
        rows = db.session.scalars(
            with_public_loads(stmt.where(Product.id > last_id)).order_by(Product.id).limit(batch)
        ).unique().all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
        db.session.expunge_all()  # keep memory flat on a national-size download


# -- place filter options ----------------------------------------------------------
def place_options(rq: RegisterQuery) -> dict[str, list[AdminUnit]]:
    """Cities/provinces, the chosen city's districts, and the chosen district's communes or, with
    no district chosen, the communes directly under the chosen city (two-tier local government
    since 1/7/2025, NQ 1656/NQ-UBTVQH15), in Vietnamese alphabetical order (at most three
    statements; bounded by the number of units). Ended units stay (their products' history)."""
    from ..models import City, Commune, District
    from ..text import vi_sort_key

    def load(stmt):
        return sorted(db.session.scalars(stmt).all(), key=lambda u: vi_sort_key(u.name))

    return {
        "cities": load(select(City)),
        "districts": load(select(District).where(District.parent_id == rq.city)) if rq.city else [],
        "communes": load(select(Commune).where(Commune.parent_id == (rq.district or rq.city)))
        if rq.district or rq.city else [],
    }


def years() -> list[int]:
    """Years a product can have been recognised in, newest first (no query)."""
    return list(range(local_today().year, FIRST_YEAR - 1, -1))


# -- freshness: ETag and Last-Modified -----------------------------------------------
def _as_utc(value) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite returns aggregates of timestamps as text
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(), LOCAL_TZ)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


def freshness(rq: RegisterQuery, kind: str) -> tuple[str, dt.datetime]:
    """``(etag, last_modified)`` of the register as ``rq`` and ``kind`` (a format) see it.

    One statement, whatever the register's size: the change counter that triggers keep in
    ``public_register_state`` (migration 0005_public: any change to a ranked product, a
    certificate, a producer or a unit bumps it), and the last expiry or revocation day
    already passed, since a certificate's status also changes with the calendar. Today's
    date is part of the ETag for the same reason.
    """
    today = local_today()
    row = db.session.execute(
        text("SELECT s.changes, s.changed_at, "
             "(SELECT max(valid_until) FROM certificate WHERE valid_until < :today), "
             "(SELECT max(revoked_on) FROM certificate WHERE revoked_on <= :today) "
             "FROM public_register_state s WHERE s.id = 1"),
        {"today": today},
    ).one()
    changes, changed_at, expired, revoked = row
    stamps = [_as_utc(changed_at), _as_utc(revoked)]
    if expired is not None:
        expired = expired if isinstance(expired, dt.date) else dt.date.fromisoformat(str(expired))
        stamps.append(_as_utc(expired + dt.timedelta(days=1)))
    last_modified = max((s for s in stamps if s is not None), default=dt.datetime(2018, 1, 1, tzinfo=dt.timezone.utc))
    basis = repr((kind, sorted(rq.filter_args().items()), today.isoformat(), changes, str(changed_at),
                  str(expired), str(revoked)))
    return hashlib.sha256(basis.encode()).hexdigest()[:32], last_modified.replace(microsecond=0)
