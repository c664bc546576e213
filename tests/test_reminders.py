"""The daily reminder job: notifications, an e-mail outbox through a real SMTP server, overdue highlights."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller

from conftest import in_own_context
from ocop_app.extensions import db
from ocop_app.models import Certificate, Notification, OutboxEmail
from ocop_app.workflow import Level, Role, Stage, Status


class Inbox:
    """aiosmtpd handler keeping what it receives, or refusing every message (451)."""

    def __init__(self, refuse: bool = False):
        self.refuse = refuse
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 Requested action aborted: local error"
        self.messages.append(envelope)
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app):
    """A real local SMTP server (aiosmtpd in a thread); the app is configured to use it."""
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="ocop@thachthat.example")
    yield inbox
    controller.stop()


def _run(app, today):
    result = in_own_context(app.test_cli_runner().invoke, args=["reminders", "run", "--today", today])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    return result.output


@pytest.fixture
def due(app, make_user, make_product):
    """A certificate expiring 15/12/2026, and a dossier waiting at the commune under QĐ 26/2026."""
    staff = make_user(Role.COMMUNE_STAFF)
    staff.email = "xa.thachxa@example.vn"
    approver = make_user(Role.COMMUNE_APPROVER)
    approver.email = "lanhdao.thachxa@example.vn"
    ranked = make_product(Stage.RANKED, Status.APPROVED, Level.CITY, stars=4, score=75, name="Chè lam")
    db.session.add(Certificate(product=ranked, number="C-1", decision_no="QĐ 1", signed_on=dt.date(2023, 12, 15),
                               valid_until=dt.date(2026, 12, 15), stars=4, issued_by="city",
                               rule_set_code="qd148-2023"))
    waiting = make_product(Stage.REGISTERED, Status.AWAITING, Level.COMMUNE, name="Miến dong",
                           rule_set_code="qd26-2026", last_actor=staff)
    db.session.commit()
    return {"staff": staff, "approver": approver, "ranked": ranked, "waiting": waiting}


def test_each_reminder_is_sent_once_even_when_run_twice(app, smtp, due, new_client):
    app.config["PUBLIC_BASE_URL"] = "https://ocop.thachthat.example"
    assert "1 notifications" in _run(app, "2026-06-18")  # re-evaluation window opens: the commune officer
    assert _run(app, "2026-06-18").startswith("Reminders: 0 notifications, 0 e-mails queued, 0 sent")
    assert _run(app, "2026-06-19").startswith("Reminders: 0 notifications")
    assert [m.rcpt_tos for m in smtp.messages] == [["xa.thachxa@example.vn"]]
    mail = email.message_from_bytes(smtp.messages[0].content, policy=email.policy.default)
    assert mail["Subject"] == "Đến thời hạn nộp hồ sơ đánh giá lại: Chè lam"
    assert "từ 18/06/2026 đến 17/08/2026" in mail.get_content()
    # a link the e-mail client can open (tester report, session 5: it was a bare path)
    assert "https://ocop.thachthat.example/staff/certificates/" in mail.get_content()

    _run(app, "2026-11-16")  # 29 days before expiry
    _run(app, "2026-11-16")
    keys = [n.key for n in db.session.query(Notification).filter_by(user_id=due["staff"].id)]
    assert sorted(k.split(":")[0] for k in keys) == ["cert-expiry", "cert-reevaluation"]
    db.session.rollback()
    # The dossier waited from 29/11/2026 (real time of creation): 15 working days later it is overdue,
    # and the commune approver who must sign it off is told once.
    created = db.session.query(Notification).count()
    db.session.rollback()
    _run(app, "2027-01-05")
    _run(app, "2027-01-05")
    overdue = db.session.query(Notification).filter(Notification.key.like("overdue:%")).all()
    assert [n.user_id for n in overdue] == [due["approver"].id]
    assert db.session.query(Notification).count() == created + 1
    db.session.rollback()
    assert len(smtp.messages) == 3
    assert db.session.query(OutboxEmail).filter(OutboxEmail.sent_at.is_(None)).count() == 0
    db.session.rollback()


def test_a_failing_smtp_server_leaves_the_message_for_the_next_run(app, due):
    refusing, port = Inbox(refuse=True), _free_port()
    controller = Controller(refusing, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        assert "1 left in the outbox" in _run(app, "2026-06-18")
        row = db.session.query(OutboxEmail).one()
        assert row.sent_at is None and row.attempts == 1 and "451" in row.last_error
        db.session.rollback()
    finally:
        controller.stop()
    app.config.update(MAIL_PORT=_free_port())  # nobody listens: connection refused
    assert "1 left in the outbox" in _run(app, "2026-06-19")
    db.session.rollback()
    assert db.session.query(OutboxEmail).one().attempts == 2
    db.session.rollback()

    working = Inbox()
    port = _free_port()
    controller = Controller(working, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update(MAIL_PORT=port)
        assert "1 sent" in _run(app, "2026-06-20")
        assert "0 sent" in _run(app, "2026-06-20")
        assert len(working.messages) == 1
        row = db.session.query(OutboxEmail).one()
        assert row.sent_at is not None and row.last_error == ""
        db.session.rollback()
    finally:
        controller.stop()


def test_notifications_page_badge_and_mark_read(app, due, new_client):
    app.config["MAIL_SERVER"] = None  # e-mails wait in the outbox
    _run(app, "2026-06-18")
    _run(app, "2026-11-16")
    c = new_client()
    c.login(due["staff"])
    page = c.get("/staff/queue").get_data(as_text=True)
    assert 'id="notif-count" class="count unread"' in page
    assert "Chưa đọc: </span>2" in page
    page = c.get("/staff/notifications").get_data(as_text=True)
    assert "Giấy chứng nhận sắp hết hiệu lực: Chè lam" in page and "2 chưa đọc" in page
    first = db.session.query(Notification).filter_by(user_id=due["staff"].id).first()
    db.session.rollback()
    r = c.post("/staff/notifications/read", {"id": str(first.id)}, htmx=True)
    assert r.status_code == 200 and r.headers["HX-Trigger"] == "notificationsChanged"
    assert "1 chưa đọc" in r.get_data(as_text=True)
    assert "Chưa đọc: </span>1" in c.get("/staff/notifications/count").get_data(as_text=True)
    assert c.post("/staff/notifications/read", {}).status_code == 303
    assert 'class="count"' in c.get("/staff/notifications/count").get_data(as_text=True)
    other = new_client()
    other.login(due["approver"])
    assert "Chè lam" not in other.get("/staff/notifications").get_data(as_text=True)


def test_overdue_dossier_is_highlighted_for_who_acts_and_their_superior(app, due, make_user, new_client):
    approver = new_client()
    approver.login(due["approver"])
    app.config["OCOP_TODAY"] = dt.date(2026, 12, 1)
    assert "Quá hạn (hạn " not in approver.get("/staff/queue").get_data(as_text=True)
    app.config["OCOP_TODAY"] = dt.date(2027, 1, 5)
    page = approver.get("/staff/queue").get_data(as_text=True)
    assert 'class="overdue"' in page and "Quá hạn (hạn " in page
    city = new_client()
    city.login(make_user(Role.CITY_APPROVER))
    page = city.get("/staff/products?status=awaiting").get_data(as_text=True)
    assert "Miến dong" in page and "Quá hạn (hạn " in page


def test_council_sheets_not_submitted_remind_the_member_then_organisers_and_chair(app, new_client):
    """The demo's 2026 city round ends on 28/12/2026 with every sheet still a draft: from
    ``sheet_reminder_days`` (3) before, each member is told once, listing their sheets; after the date
    they are told it is overdue, and the organisers and the chair get one notice for the round."""
    from sqlalchemy import select

    from ocop_app import demo, rules
    from ocop_app.models import EvaluationRound, User

    app.config["MAIL_SERVER"] = None
    app.config["OCOP_TODAY"] = dt.date(2026, 12, 5)  # the demo's open district round then ends 04/01/2027
    demo.load()
    assert rules.get("qd26-2026").sheet_reminder_days == 3
    users = {u.username: u.id for u in db.session.scalars(select(User))}
    round_id = db.session.scalars(select(EvaluationRound.id).where(EvaluationRound.name == demo.ROUND_2026)).one()
    db.session.rollback()
    # 4 days before: no sheet reminder yet; only the demo's re-evaluation sample, whose window is open
    # (its commune officer and the city officer are told once).
    assert _run(app, "2026-12-24").startswith("Reminders: 2 notifications")
    assert {n.key.split(":")[0] for n in db.session.query(Notification)} == {"cert-reevaluation"}
    db.session.rollback()
    # one notice per member listing both products (tester report, session 5: one per sheet flooded inboxes)
    assert _run(app, "2026-12-25").startswith("Reminders: 3 notifications")
    assert _run(app, "2026-12-28").startswith("Reminders: 0 notifications")
    due = db.session.query(Notification).filter(Notification.key.like("sheet-due:%")).all()
    assert sorted({n.user_id for n in due}) == sorted(users[f"tp.hoidong{i}"] for i in (1, 2, 3))
    assert all(n.url == "/staff/queue" and "28/12/2026" in n.title for n in due)
    assert all(len(n.body.split(":")[-1].split(",")) == 2 for n in due)
    db.session.rollback()
    assert _run(app, "2026-12-29").startswith("Reminders: 6 notifications")  # 3 overdue + 3 for the round
    assert _run(app, "2026-12-30").startswith("Reminders: 0 notifications")
    told = db.session.query(Notification).filter_by(key=f"round-sheets-overdue:{round_id}:2026-12-28").all()
    assert sorted(n.user_id for n in told) == sorted(users[u] for u in ("tp.canbo", "tp.duyet", "tp.hoidong1"))
    assert "6 phiếu chấm điểm chưa nộp" in told[0].body
    db.session.rollback()

    member = new_client()
    member.login("tp.hoidong2", "ocop-demo")
    app.config["OCOP_TODAY"] = dt.date(2026, 12, 20)
    page = member.get("/staff/queue").get_data(as_text=True)
    assert "Phiếu chấm điểm cần điền" in page and "Quá hạn (hạn " not in page
    app.config["OCOP_TODAY"] = dt.date(2026, 12, 29)
    page = member.get("/staff/queue").get_data(as_text=True)
    assert page.count('<tr class="overdue">') == 2 and "Quá hạn (hạn 28/12/2026)" in page
    app.config["OCOP_TODAY"] = None


class WritingInbox(Inbox):
    """Accepts messages; while each is being accepted, another connection writes to the database,
    as a user's request would during the daily job."""

    def __init__(self, database_path: str):
        super().__init__()
        self.database_path = database_path
        self.writes = []

    async def handle_DATA(self, server, session, envelope):
        import sqlite3

        conn = sqlite3.connect(self.database_path, timeout=2, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE user_account SET full_name = full_name")
            conn.execute("COMMIT")
            self.writes.append("ok")
        except sqlite3.OperationalError as exc:
            self.writes.append(str(exc))
        finally:
            conn.close()
        return await super().handle_DATA(server, session, envelope)


def test_users_can_write_while_the_daily_job_waits_for_the_smtp_server(app, due):
    """Tester report (session 5): on SQLite the job held the database's write lock while each e-mail
    was being sent, so a user saving a form meanwhile waited and got a 500 'database is locked'."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite"):
        pytest.skip("the write lock is SQLite's; PostgreSQL locks rows")
    inbox, port = WritingInbox(url.split("///", 1)[1]), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        assert "1 sent" in _run(app, "2026-06-18")
    finally:
        controller.stop()
    assert inbox.writes == ["ok"]


def test_a_message_another_run_is_sending_is_not_sent_again(app, smtp, due):
    app.config["MAIL_SERVER"] = None
    _run(app, "2026-06-18")  # queued, not sent
    row = db.session.query(OutboxEmail).one()
    row.sending_since = dt.datetime.now(dt.timezone.utc)  # another run has claimed it
    db.session.commit()
    app.config["MAIL_SERVER"] = "127.0.0.1"
    assert "0 sent" in _run(app, "2026-06-18")
    assert smtp.messages == []
    row = db.session.query(OutboxEmail).one()
    row.sending_since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)  # that run died
    db.session.commit()
    assert "1 sent" in _run(app, "2026-06-18")
    assert len(smtp.messages) == 1
    row = db.session.query(OutboxEmail).one()
    assert row.sent_at is not None and row.sending_since is None
    db.session.rollback()
