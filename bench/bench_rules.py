"""Benchmark: the daily reminder job and the public register's certificate filter on a large database.

Usage: ``.venv/bin/python bench/bench_rules.py [N]`` — loads the demo data into a temporary SQLite
database, adds N ranked products with certificates signed over the last four years and N dossiers
awaiting at the commune under QĐ 26/2026, then times one ``reminders collect`` for a day in the
re-evaluation season, a second (idempotent) run, the public register's first page, sending 500
queued e-mails through a local SMTP server (aiosmtpd), and applying the 2025 merger.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade

from ocop_app import create_app, demo
from ocop_app.extensions import db
from ocop_app.models import Certificate, Commune, Producer, Product, StageEvent
from ocop_app.notifications import reminders
from ocop_app.workflow import Level


def main(n: int) -> None:
    path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        upgrade()
        demo.load()
        communes = db.session.query(Commune).all()
        rnd = random.Random(7)
        now = dt.datetime.now(dt.timezone.utc)
        for i in range(n):
            commune = rnd.choice(communes)
            producer = Producer(name=f"Chủ thể {i}", type="household", unit=commune)
            ranked = Product(name=f"Sản phẩm {i}", producer=producer, branch="food", rule_set_code="qd148-2023",
                             stage="ranked", status="approved", level="city", stars=rnd.choice([3, 4]),
                             commune=commune, district=commune.parent if commune.parent.level == "district" else None,
                             city=commune.ancestor(Level.CITY))
            signed = dt.date(2022, 12, 1) + dt.timedelta(days=rnd.randrange(0, 4 * 365))
            db.session.add(Certificate(product=ranked, number=f"B-{i}", decision_no="bench", signed_on=signed,
                                       valid_until=signed.replace(year=signed.year + 3) if signed.day < 29 else signed + dt.timedelta(days=1095),
                                       stars=ranked.stars, issued_by="city", rule_set_code="qd148-2023"))
            waiting = Product(name=f"Hồ sơ {i}", producer=producer, branch="food", rule_set_code="qd26-2026",
                              stage="registered", status="awaiting", level="commune", commune=commune,
                              district=ranked.district, city=ranked.city)
            for p in (ranked, waiting):
                db.session.add(StageEvent(product=p, action="import", to_stage=p.stage, to_status=p.status,
                                          to_level=p.level, reason="", detail="bench",
                                          at=now - dt.timedelta(days=rnd.randrange(0, 60))))
        db.session.commit()
        print(f"products: {db.session.query(Product).count()}, certificates: {db.session.query(Certificate).count()}")
        for label in ("first run", "second run (nothing new)"):
            start = time.perf_counter()
            report = reminders.collect(dt.date(2026, 12, 20))
            print(f"reminders collect, {label}: {time.perf_counter() - start:.2f} s — {report}")
        from ocop_app.public import register

        app.config["OCOP_TODAY"] = dt.date(2026, 12, 20)
        with app.test_request_context("/"):
            start = time.perf_counter()
            for _ in range(20):
                page = register.fetch_page(register.parse_query({}))
            print(f"public register page 1 ({page.total} listed): {(time.perf_counter() - start) / 20 * 1000:.1f} ms")
        bench_outbox(app, 500)
        bench_merger()


def bench_outbox(app, count: int) -> None:
    """Send ``count`` queued e-mails through a local SMTP server (aiosmtpd, in a thread)."""
    import socket

    from aiosmtpd.controller import Controller

    from ocop_app.models import OutboxEmail
    from ocop_app.notifications import mailer

    class Sink:
        received = 0

        async def handle_DATA(self, server, session, envelope):
            Sink.received += 1
            return "250 OK"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        for i in range(count):
            db.session.add(OutboxEmail(key=f"bench:{i}", to_addr=f"user{i}@example.vn", subject=f"Nhắc việc {i}",
                                       body="Hồ sơ đã quá hạn.\n\nhttps://ocop.example/staff/queue"))
        db.session.commit()
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        start = time.perf_counter()
        sent, left = mailer.send_pending(limit=count)
        took = time.perf_counter() - start
        print(f"outbox: {sent} sent, {left} left in {took:.2f} s ({took / max(sent, 1) * 1000:.1f} ms per e-mail; "
              f"server got {Sink.received})")
    finally:
        controller.stop()


def bench_merger() -> None:
    """Apply the 2025 Thạch Thất merger (NQ 1656) to the database as it stands."""
    from ocop_app.units import operations

    before = db.session.query(StageEvent).count()
    start = time.perf_counter()
    report = operations.load_successions()
    operations.apply_successions(None, report)
    db.session.commit()
    took = time.perf_counter() - start
    print(f"units apply-merger: {took:.2f} s — {report}; {db.session.query(StageEvent).count() - before} events")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
