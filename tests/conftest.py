"""Shared fixtures: an app on a fresh, migrated database; clients; factories.

The database is SQLite (a fresh file per test, copied from one migrated
template) unless ``TEST_DATABASE_URL`` names a PostgreSQL database, which is
migrated once and truncated between tests. CSRF protection stays on: the
:class:`Client` helper reads a token from a page like a browser would.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from flask_migrate import upgrade
from sqlalchemy import bindparam, create_engine, make_url, text
from werkzeug.security import generate_password_hash

from ocop_app import clock, create_app, database
from ocop_app.extensions import db
from ocop_app.models import City, Commune, District, Producer, Product, StageEvent, User
from ocop_app.products import operations
from ocop_app.workflow import Level, Role, Stage, Status

PG_URL = os.environ.get("TEST_DATABASE_URL")
PASSWORD = "test-pass-1"
_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")  # fast in tests


def _config(uri: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": uri,
        "WTF_CSRF_ENABLED": True,
        "SERVER_NAME": None,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast in tests, like _HASH
    }


def fresh_pg_database(suffix: str = "") -> str:
    """URL of an empty PostgreSQL database of this xdist worker's own, dropped and created afresh:
    ``<TEST_DATABASE_URL's database>_<worker><suffix>`` (workers and purposes never share one)."""
    url = make_url(database.normalise_database_url(PG_URL))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"{url.database}_{worker}{suffix}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # A throw-away database: a commit need not wait for the disk (a crash loses only test data).
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _worker_pg_url() -> str:
    """This worker's own test database (migrated once, truncated between tests)."""
    return fresh_pg_database()


#: Reference data every test database holds: the official score sheets (loaded once per template).
SHEET_TABLES = ("sheet_version", "sheet_set", "sheet_part", "sheet_group", "criterion", "criterion_option")


def _migrate_and_load_sheets(url: str) -> None:
    from ocop_app.evaluation.sheets import load_all

    app = create_app(_config(url))
    with app.app_context():
        upgrade()
        load_all()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """A migrated database holding only the score sheets: a SQLite file to copy, or this worker's PostgreSQL URL."""
    if PG_URL:
        url = _worker_pg_url()
        _migrate_and_load_sheets(url)
        return url
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _migrate_and_load_sheets(f"sqlite:///{path}")
    return path


@functools.cache
def _shipped_sheet_hashes() -> tuple[str, ...]:
    """Content hashes of the score sheets the app ships (the ones a test database keeps)."""
    import json

    from ocop_app.evaluation.sheets import content_hash
    from ocop_app.scoring.sheetdata import available_versions

    return tuple(content_hash(json.loads(p.read_text(encoding="utf-8"))) for p in available_versions())


def _truncate_all(app) -> None:
    """Empty every table but the shipped score sheets (a test's own sheet versions go too) and
    restart every id at 1, as on a fresh database. ``DELETE`` rather than ``TRUNCATE`` where it
    may: on tables this small it is ten times faster (no new files for each table and index)."""
    with app.app_context():
        tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name not in SHEET_TABLES]
        with db.engine.begin() as conn:
            # Append-only logs and ranked products refuse DELETE (triggers): set them aside while emptying.
            guarded = sorted(set(conn.execute(text(
                "SELECT DISTINCT event_object_table FROM information_schema.triggers "
                "WHERE event_object_schema = current_schema() AND event_manipulation = 'DELETE'")).scalars()))
            for name in guarded:
                conn.execute(text(f'ALTER TABLE "{name}" DISABLE TRIGGER USER'))
            for name in tables:
                conn.execute(text(f'DELETE FROM "{name}"'))
            for name in guarded:
                conn.execute(text(f'ALTER TABLE "{name}" ENABLE TRIGGER USER'))
            conn.execute(text("DELETE FROM sheet_version WHERE content_hash NOT IN :h").bindparams(
                bindparam("h", expanding=True)), {"h": list(_shipped_sheet_hashes())})
            conn.execute(text(
                "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) FROM pg_sequences "
                "WHERE schemaname = current_schema() AND sequencename NOT LIKE ALL (:kept)"),
                {"kept": [f"{t}\\_%" for t in SHEET_TABLES]})


@pytest.fixture
def db_uri(template_db, tmp_path):
    """URI of this test's own empty, migrated database."""
    if PG_URL:
        return template_db
    target = tmp_path / "test.sqlite3"
    shutil.copy(template_db, target)
    return f"sqlite:///{target}"


@pytest.fixture
def app(db_uri, tmp_path):
    """The app on a fresh database, with an app context pushed for the test's setup code."""
    application = create_app({**_config(db_uri), "UPLOAD_FOLDER": str(tmp_path / "uploads")})
    if PG_URL:
        _truncate_all(application)
    # The test's own thread only reads between commits; requests run in other threads.
    database.read_only_intent.set(True)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def in_own_context(fn, *args, **kwargs):
    """Run ``fn`` in a fresh thread, as a server would run a request: its own app
    context, ``g`` and database session, not the test's."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


class Client:
    """A test client that behaves like a browser: keeps cookies and sends the CSRF token.

    Each request runs in its own thread (see :func:`in_own_context`).
    """

    def __init__(self, app):
        self.app = app
        self.raw = app.test_client()
        self._token = None

    def token(self) -> str:
        if self._token is None:
            page = in_own_context(self.raw.get, "/").get_data(as_text=True)
            self._token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return self._token

    def get(self, url, htmx: bool = False, **kw):
        headers = kw.pop("headers", {})
        if htmx:
            headers["HX-Request"] = "true"
        return in_own_context(self.raw.get, url, headers=headers, **kw)

    def post(self, url, data=None, htmx: bool = False, csrf: bool = True, **kw):
        data = dict(data or {})
        headers = kw.pop("headers", {})
        if htmx:
            headers["HX-Request"] = "true"
            if csrf:
                headers["X-CSRFToken"] = self.token()
        elif csrf:
            data.setdefault("csrf_token", self.token())
        return in_own_context(self.raw.post, url, data=data, headers=headers, **kw)

    def login(self, user_or_name, password: str = PASSWORD):
        username = user_or_name if isinstance(user_or_name, str) else user_or_name.username
        response = self.post("/auth/login", {"username": username, "password": password})
        self._token = None  # a new session gets a new token
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
        return response


@pytest.fixture
def client(app):
    return Client(app)


@pytest.fixture
def new_client(app):
    """Factory for extra independent clients (another browser)."""
    return lambda: Client(app)


@pytest.fixture
def units(app):
    """Hà Nội → Thạch Thất → Thạch Xá, Bình Phú; Hà Nội → Quốc Oai → Sài Sơn; Lâm Đồng → Đức Trọng → Hiệp An."""
    hanoi = City(name="Hà Nội", unit_type="Thành phố", slug="hanoi")
    thach_that = District(name="Thạch Thất", unit_type="Huyện", slug="thachthat", parent=hanoi)
    thach_xa = Commune(name="Thạch Xá", unit_type="Xã", slug="thachxa", parent=thach_that)
    binh_phu = Commune(name="Bình Phú", unit_type="Xã", slug="binhphu", parent=thach_that)
    quoc_oai = District(name="Quốc Oai", unit_type="Huyện", slug="quocoai", parent=hanoi)
    sai_son = Commune(name="Sài Sơn", unit_type="Xã", slug="saison", parent=quoc_oai)
    lam_dong = City(name="Lâm Đồng", unit_type="Tỉnh", slug="lamdong")
    duc_trong = District(name="Đức Trọng", unit_type="Huyện", slug="ductrong", parent=lam_dong)
    hiep_an = Commune(name="Hiệp An", unit_type="Xã", slug="hiepan", parent=duc_trong)
    db.session.add_all([hanoi, lam_dong])
    db.session.commit()
    return {
        "hanoi": hanoi, "thach_that": thach_that, "thach_xa": thach_xa, "binh_phu": binh_phu,
        "quoc_oai": quoc_oai, "sai_son": sai_son, "lam_dong": lam_dong, "duc_trong": duc_trong, "hiep_an": hiep_an,
    }


#: For each level, the unit a user of that level serves when "in scope" of a Thạch Xá product, and one out of scope.
SCOPE_UNITS = {
    Level.COMMUNE: ("thach_xa", "binh_phu"),
    Level.DISTRICT: ("thach_that", "quoc_oai"),
    Level.CITY: ("hanoi", "lam_dong"),
}


@pytest.fixture
def make_user(app, units):
    """``make_user(role, unit_key=None, username=None)`` → a committed :class:`User`.

    ``unit_key`` names a unit of the :func:`units` fixture; by default the
    role's level's in-scope unit for a Thạch Xá product.
    """
    counter = {"n": 0}

    def make(role: Role, unit_key: str | None = None, username: str | None = None) -> User:
        counter["n"] += 1
        role = Role(role)
        if unit_key is None and role.level is not None:
            unit_key = SCOPE_UNITS[role.level][0]
        user = User(
            username=username or f"{role.value}.{counter['n']}",
            full_name=f"{role.value} {counter['n']}",
            role=role.value,
            unit=units[unit_key] if unit_key else None,
            password_hash=_HASH,
            active=True,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_product(app, units):
    """``make_product(stage, status, level, commune_key="thach_xa", stars=None, score=None, name=...)``.

    Creates a product directly in the given state (with an import event) and commits.
    """
    counter = {"n": 0}

    def make(stage=Stage.REGISTERED, status=Status.DRAFT, level=Level.COMMUNE, commune_key="thach_xa",
             stars=None, score=None, name=None, product_set_no=7, last_actor=None, rule_set_code="qd148-2023"):
        counter["n"] += 1
        commune = units[commune_key]
        producer = Producer(name=f"HTX thử nghiệm {counter['n']}", type="cooperative", unit=commune)
        product = operations.register(
            name=name or f"Sản phẩm thử {counter['n']}", producer=producer, commune=commune,
            product_set_no=product_set_no, branch=None, actor=last_actor, rule_set_code=rule_set_code,
        )
        product.stage, product.status, product.level = Stage(stage).value, Status(status).value, Level(level).value
        product.stars = stars
        product.score = Decimal(str(score)) if score is not None else None
        product.last_actor_id = last_actor.id if last_actor else None
        db.session.commit()
        return product

    return make


def snapshot(product_id: int) -> tuple:
    """Everything a refused request must leave unchanged about a product (read fresh)."""
    db.session.rollback()
    p = db.session.get(Product, product_id)
    events = db.session.query(StageEvent).filter_by(product_id=product_id).count()
    result = (p.stage, p.status, p.level, p.score, p.stars, p.version, p.name, events)
    db.session.rollback()
    return result


TINY_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def satisfy_guards(product, name: str) -> None:
    """Make the data-dependent guards of workflow step ``name`` hold for ``product`` (and commit):
    its producer trained this cycle; a finished upgrade plan, a complete dossier and a planned date."""
    import datetime as dt

    from ocop_app.dossier import checklist, operations as dossier_ops, storage
    from ocop_app.models import CourseAttendee, TrainingCourse, UpgradeAction
    from ocop_app.products.operations import local_today

    if name in ("record_training", "confirm_training", "city_record_training", "city_confirm_training"):
        today = local_today()
        course = TrainingCourse(title="Lớp tập huấn thử", organiser_level="district" if product.district_id else "city",
                                unit_id=product.district_id or product.city_id,
                                cycle_year=today.year, starts_on=today, ends_on=today)
        db.session.add(course)
        db.session.add(CourseAttendee(course=course, producer_id=product.producer_id, person_name="Đại diện",
                                      present=True))
    if name in ("send_to_evaluation", "city_send_to_evaluation"):
        db.session.add(UpgradeAction(product_id=product.id, kind="label_design", status="done"))
        actor = db.session.get(User, product.last_actor_id) if product.last_actor_id else None
        for kind, required in checklist.checklist_for(product.branch):
            if required:
                checked = storage.CheckedFile(f"{kind.code}.pdf", "application/pdf", TINY_PDF)
                dossier_ops.add_dossier_file(product, actor, kind.code, checked)
        dossier_ops.set_planned_evaluation_date(product, actor, local_today() + dt.timedelta(days=30))
    db.session.commit()
    if name == "confirm_ranking":  # the city council scored what the district proposed
        city_scored(product)
def closed_round_with(product, chair, outcome: str, level: Level, *, score=75, stars=4):
    """A closed evaluation round chaired by ``chair`` whose result for ``product`` (``"scored"``
    with ``score``/``stars``, or ``"disqualified"``) waits to be carried onto it. Commits."""
    import datetime as dt

    from ocop_app.models import CouncilMember, EvaluationRound, RoundProduct, SheetSet, SheetVersion

    version = db.session.scalars(db.select(SheetVersion).where(SheetVersion.code == "qd26-2026")).one()
    sheet_set = db.session.scalars(db.select(SheetSet).where(SheetSet.version_id == version.id,
                                                              SheetSet.no == product.product_set_no)).one()
    unit_id = product.district_id if level is Level.DISTRICT else product.city_id
    round_ = EvaluationRound(
        name="Đợt thử", level=level.value, unit_id=unit_id, rule_set_code="qd148-2023", sheet_version=version,
        starts_on=dt.date(2026, 7, 1), ends_on=dt.date(2026, 7, 31), status="closed", quorum_numerator=3,
        quorum_denominator=4, chair_required=True, max_spread=Decimal(10),
        closed_at=dt.datetime.now(dt.timezone.utc),
    )
    round_.members.append(CouncilMember(user_id=chair.id, role="chair"))
    entry = RoundProduct(product_id=product.id, sheet_set=sheet_set, outcome=outcome)
    if outcome == "scored":
        entry.score, entry.stars = Decimal(str(score)), stars
    else:
        entry.disqualified_reason, entry.disqualified_note = "forged_dossier", "Giấy tờ giả"
    round_.products.append(entry)
    db.session.add(round_)
    db.session.commit()
    return round_


def city_scored(product, *, score=None, stars=None) -> None:
    """The city council's result for ``product`` (waiting at the city in the three-level chain),
    recorded by the real step a city round's chair takes (``city_council_result``) on 10/07/2026,
    so that the city may confirm the ranking (signed on or after that day). ``score``/``stars`` default to the product's. Commits."""
    import uuid

    from ocop_app.products.operations import advance

    chair = User(username=f"hoidong.tp.{uuid.uuid4().hex[:8]}", full_name="Chủ tịch hội đồng thành phố",
                 role=Role.CITY_COUNCIL.value, unit_id=product.city_id, password_hash=_HASH, active=True)
    db.session.add(chair)
    db.session.commit()
    closed_round_with(product, chair, "scored", Level.CITY, score=score if score is not None else product.score,
                      stars=stars if stars is not None else product.stars)
    with clock.frozen(dt.date(2026, 7, 10)):  # the round's days: a recognition signed 15/07/2026 may follow
        advance(product, "city_council_result", chair)
    db.session.commit()


def at_once(calls, timeout: float = 120) -> list:
    """Run the callables in ``calls`` in threads released at the same instant (a barrier), as
    concurrent requests; return their results in order."""
    import threading

    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, fn):
        barrier.wait()
        results[i] = fn()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results

