"""``flask backup`` under load and ``flask restore``, on the engine under test."""

from __future__ import annotations

import threading
import time

from sqlalchemy import create_engine, make_url, select

from conftest import PG_URL, fresh_pg_database, snapshot
from ocop_app import database
from ocop_app.extensions import db
from ocop_app.models import Producer, Product, StageEvent
from ocop_app.products import operations
from ocop_app.workflow import Level, Role, Stage, Status

from test_route_sweep import fingerprint


def _fingerprint_of(url: str) -> dict:
    engine = create_engine(database.normalise_database_url(url))
    try:
        with engine.connect() as conn:
            return {t.name: sorted(repr(tuple(r)) for r in conn.execute(t.select()).all())
                    for t in db.metadata.sorted_tables}
    finally:
        engine.dispose()


def _writers(app, units, stop: threading.Event, count: list, n_threads=3):
    """Threads that keep registering products (one product + one event per transaction)."""

    commune_id = units["thach_xa"].id  # read here: the fixture's objects belong to the test's session
    commune_type = type(units["thach_xa"])

    def write(k):
        database.read_only_intent.set(False)
        i = 0
        while not stop.is_set():
            i += 1
            with app.app_context():
                commune = db.session.get(commune_type, commune_id)
                producer = Producer(name=f"Chủ thể {k}-{i}", type="household", unit=commune)
                operations.register(name=f"Sản phẩm tải {k}-{i}", producer=producer, commune=commune,
                                    product_set_no=7, branch=None, actor=None)
                db.session.commit()
                count[0] += 1

    def guarded(k):
        try:
            write(k)
        except BaseException as exc:  # surfaces in the test instead of hanging it
            errors.append(exc)
            stop.set()

    errors = count_errors = []
    threads = [threading.Thread(target=guarded, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    return threads, count_errors


def _wait_for(count, n, stop, errors):
    deadline = time.monotonic() + 60
    while count[0] < n:
        assert not errors, errors
        assert time.monotonic() < deadline, "writers made no progress"
        time.sleep(0.01)


def _pg_restore_into_fresh_database(path) -> str:
    fresh = fresh_pg_database("_restored")
    import subprocess

    libpq = make_url(fresh).set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={libpq}", str(path)],
                   check=True, capture_output=True)
    return fresh


def test_backup_under_load_restores_to_an_identical_database(app, units, make_product, make_user, client, tmp_path):
    for i in range(5):
        make_product(name=f"Có từ trước {i}")
    target = tmp_path / "ocop.backup"
    stop, count = threading.Event(), [0]
    threads, errors = _writers(app, units, stop, count)
    try:
        _wait_for(count, 20, stop, errors)  # writes are running
        at_start = count[0]
        result = app.test_cli_runner().invoke(args=["backup", str(target)])
        assert result.exit_code == 0, result.output
        assert "Backup written" in result.output
        _wait_for(count, at_start + 20, stop, errors)  # and go on after the backup
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    live = fingerprint()
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(target)])
    assert result.exit_code == 0, result.output
    restored = fingerprint()

    # identical to the backup: compare every table with the backup itself (SQLite file) or with the
    # same archive restored into an empty database (PostgreSQL)
    expected = _fingerprint_of(_pg_restore_into_fresh_database(target) if PG_URL else f"sqlite:///{target}")
    assert restored == expected
    # a consistent instant: every row existed in the live database, and each product came back
    # with its event or not at all (no transaction half in the backup)
    for table, rows in restored.items():
        assert set(rows) <= set(live[table]), table
    db.session.rollback()
    products = db.session.scalars(select(Product)).all()
    assert 5 + 20 <= len(products) < len(live["product"])
    events = {e.product_id for e in db.session.scalars(select(StageEvent))}
    assert {p.id for p in products} == events
    db.session.rollback()

    # the restored database is in use at once (PostgreSQL sequences restored too)
    client.login(make_user(Role.COMMUNE_STAFF))
    r = client.post("/staff/products/new", {"name": "Sau khi khôi phục", "product_set_no": "7",
                                            "producer_name": "HTX Mới", "producer_type": "cooperative"})
    assert r.status_code == 303
    new_id = int(r.headers["Location"].rsplit("/", 1)[1])
    assert snapshot(new_id)[:3] == (Stage.REGISTERED.value, Status.DRAFT.value, Level.COMMUNE.value)


def test_restore_refuses_a_file_that_is_not_a_backup(app, tmp_path, make_product):
    make_product()
    before = fingerprint()
    bogus = tmp_path / "bogus.backup"
    bogus.write_text("not a backup")
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(bogus)])
    assert result.exit_code != 0 and "Error" in result.output
    assert fingerprint() == before
