"""Data integrity under stress and failure, on the engine under test (SQLite or PostgreSQL):
50 parallel sign-offs, a step failing half-way, the append-only event log, migrations from empty."""

from __future__ import annotations


import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from conftest import at_once, PG_URL, _config, fresh_pg_database, snapshot, satisfy_guards
from ocop_app import create_app, database
from ocop_app.extensions import db
from ocop_app.models import StageEvent
from ocop_app.products import operations
from ocop_app.workflow import Level, Role, Stage, Status

from test_route_sweep import fingerprint


def _race(clients, url, data, htmx=False):
    """All clients post at the same instant; returns their responses."""
    def post(c):
        headers = {"HX-Request": "true", "X-CSRFToken": c.token()} if htmx else {}
        return lambda: c.raw.post(url, data=data(c), headers=headers)

    return at_once([post(c) for c in clients])


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_fifty_parallel_confirmations_one_success(make_user, make_product, new_client, htmx):
    """50 district approvers confirm the same training at once: one success, 49 clear 409s that
    show the current state, exactly one event, and no "database is locked" reaching anyone."""
    product = make_product(Stage.TRAINED, Status.AWAITING, Level.DISTRICT, last_actor=make_user(Role.DISTRICT_STAFF))
    satisfy_guards(product, "confirm_training")  # the producer attended a course this cycle
    clients = []
    for _ in range(50):
        c = new_client()
        c.login(make_user(Role.DISTRICT_APPROVER))
        c.token()
        clients.append(c)
    before = snapshot(product.id)
    url = f"/staff/products/{product.id}/actions/confirm_training"
    responses = _race(clients, url, lambda c: {"version": before[5], "csrf_token": c.token()}, htmx=htmx)
    codes = [r.status_code for r in responses]
    winner = 200 if htmx else 303
    assert codes.count(winner) == 1 and codes.count(409) == 49, sorted(codes)
    for r in responses:
        body = r.get_data(as_text=True)
        assert "locked" not in body.lower()
        if r.status_code == 409:
            assert "người khác thay đổi" in body  # the clear message
            assert "Đã tập huấn" in body or "trained" in body.lower() or "Đã duyệt" in body  # the current state
    after = snapshot(product.id)
    assert after[:3] == ("trained", "approved", "district")
    assert after[5] == before[5] + 1
    assert after[-1] == before[-1] + 1  # exactly one event


def test_a_stale_edit_form_is_refused(make_user, make_product, new_client):
    """Two officers open the edit form; the second save (made on the old version) is refused."""
    staff_a, staff_b = make_user(Role.COMMUNE_STAFF), make_user(Role.COMMUNE_STAFF)
    product = make_product()
    a, b = new_client(), new_client()
    a.login(staff_a)
    b.login(staff_b)
    form = {"name": "Tên mới", "product_set_no": "7", "producer_name": "HTX A", "producer_type": "cooperative",
            "version": product.version}
    assert a.post(f"/staff/products/{product.id}/edit", form).status_code == 303
    before = snapshot(product.id)
    r = b.post(f"/staff/products/{product.id}/edit", form | {"name": "Tên cũ ghi đè"})
    assert r.status_code == 409
    assert "Tên cũ ghi đè" in r.get_data(as_text=True)  # what B typed is kept on the page
    assert snapshot(product.id) == before


def test_a_failure_half_way_through_a_step_changes_nothing(app, make_user, make_product, client, monkeypatch):
    """The product row and the event are written (flushed), then the step fails: all is rolled back."""
    product = make_product(Stage.REGISTERED, Status.AWAITING, Level.COMMUNE)
    client.login(make_user(Role.COMMUNE_APPROVER))
    before = fingerprint()
    real_flush = operations._flush_or_conflict

    def flush_then_fail():
        real_flush()  # UPDATE product … ; INSERT INTO stage_event … are now in the transaction
        raise RuntimeError("disk full (forced by the test)")

    monkeypatch.setattr(operations, "_flush_or_conflict", flush_then_fail)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the user gets a 500 page
    r = client.post(f"/staff/products/{product.id}/actions/commune_sign_off", {"version": product.version})
    assert r.status_code == 500
    assert fingerprint() == before
    monkeypatch.setattr(operations, "_flush_or_conflict", real_flush)
    r = client.post(f"/staff/products/{product.id}/actions/commune_sign_off", {"version": product.version})
    assert r.status_code == 303  # and the step still works afterwards


def test_a_failing_event_write_changes_nothing(app, make_user, make_product, client, monkeypatch):
    product = make_product(Stage.REGISTERED, Status.DRAFT, Level.COMMUNE)
    client.login(make_user(Role.COMMUNE_STAFF))
    before = fingerprint()

    def broken_record(*args, **kwargs):
        raise RuntimeError("event log unavailable (forced by the test)")

    monkeypatch.setattr(operations, "_record", broken_record)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.post(f"/staff/products/{product.id}/actions/submit", {"version": product.version}).status_code == 500
    assert fingerprint() == before


def test_no_route_edits_or_deletes_the_event_log(app):
    """No URL of the app names an event, and no view method is PUT/PATCH/DELETE."""
    for rule in app.url_map.iter_rules():
        assert not {"PUT", "PATCH", "DELETE"} & rule.methods, rule
        assert "event" not in rule.rule, rule


def test_the_database_refuses_to_change_or_delete_events(app, make_product):
    product = make_product()
    event_id = db.session.query(StageEvent.id).filter_by(product_id=product.id).scalar()
    db.session.rollback()
    database.read_only_intent.set(False)
    try:
        for statement in (f"UPDATE stage_event SET reason = 'rewritten' WHERE id = {event_id}",
                          f"DELETE FROM stage_event WHERE id = {event_id}"):
            with pytest.raises(DBAPIError) as info:
                with db.engine.begin() as conn:
                    conn.execute(text(statement))
            assert "append-only" in str(info.value).lower()
    finally:
        database.read_only_intent.set(True)
    assert db.session.query(StageEvent).filter_by(id=event_id).one().reason == ""


def _fresh_database_url(tmp_path) -> str:
    """An empty database on the engine under test."""
    if not PG_URL:
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    return fresh_pg_database("_empty")


def test_migrations_run_forward_from_an_empty_database(tmp_path):
    """``flask db upgrade`` on an empty database reaches the head, and the schema it builds is the
    models' schema (no difference autogenerate would find) on this engine."""
    url = _fresh_database_url(tmp_path)
    app = create_app(_config(url))
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_name": database.include_name})
            heads = app.extensions["migrate"].migrate.get_config().get_main_option("script_location")
            assert context.get_current_revision() is not None and heads
            diff = compare_metadata(context, db.metadata)
        if db.engine.dialect.name == "sqlite":  # see database.SQLITE_MISSING_FKS for why
            diff = [d for d in diff if not (d[0] == "add_fk" and (d[1].parent.name, d[1].column_keys[0])
                                            in database.SQLITE_MISSING_FKS)]
        assert diff == []
        assert set(inspect(db.engine).get_table_names()) >= {t.name for t in db.metadata.sorted_tables}
        db.engine.dispose()
