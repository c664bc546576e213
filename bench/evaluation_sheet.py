"""Benchmark the evaluation pages on a fresh SQLite database (figures in BENCHMARKS.md).

Measures: loading the score sheets; a council member's sheet page (GET); the htmx autosave
(POST, totals fragment); submitting; the round page of a round with 30 products × 5 members;
closing it; the XLSX export. Run: ``.venv/bin/python bench/evaluation_sheet.py``. Figures are CPU time of this process
(the test client runs each request in-process), so a busy machine does not distort them.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from ocop_app import create_app, database  # noqa: E402
from ocop_app.evaluation import operations as ops  # noqa: E402
from ocop_app.evaluation.sheets import load_all  # noqa: E402
from ocop_app.extensions import db  # noqa: E402
from ocop_app.models import City, Commune, District, Producer, User  # noqa: E402
from ocop_app.products import operations as pops  # noqa: E402

PRODUCTS, MEMBERS = 30, 5


def timed(fn, n=20):
    """Median and max CPU time of this process (ms): wall time swings with the machine's load,
    and the test client runs the request in this process."""
    samples = []
    for _ in range(n):
        t = time.process_time()
        fn()
        samples.append((time.process_time() - t) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    tmp = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}",
                      "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        t = time.process_time()
        load_all()
        db.session.commit()
        print(f"sheets load (27 sheets, 787 criteria): {(time.process_time() - t) * 1000:.0f} ms")
        hanoi = City(name="Hà Nội", unit_type="Thành phố", slug="hanoi")
        district = District(name="Thạch Thất", unit_type="Huyện", slug="thachthat", parent=hanoi)
        commune = Commune(name="Thạch Xá", unit_type="Xã", slug="thachxa", parent=district)
        db.session.add(hanoi)
        pw = generate_password_hash("x", method="pbkdf2:sha256:1000")
        staff = User(username="canbo", full_name="Cán bộ", role="district_staff", unit=district, password_hash=pw)
        members = [User(username=f"hd{i}", full_name=f"Thành viên {i}", role="district_council", unit=district,
                        password_hash=pw) for i in range(MEMBERS)]
        db.session.add_all([staff, *members])
        db.session.flush()
        round_ = ops.create_round(actor=staff, name="Bench", starts_on=dt.date(2026, 7, 1),
                                  ends_on=dt.date(2026, 7, 31), rule_set_code="qd148-2023")
        for i, m in enumerate(members):
            ops.add_member(round_, m, "chair" if i == 0 else "member", staff)
        for i in range(PRODUCTS):
            p = pops.register(name=f"Sản phẩm {i}", producer=Producer(name=f"HTX {i}", unit=commune), commune=commune,
                              product_set_no=1 + i % 26, branch=None, actor=None)
            p.stage, p.status, p.level = "upgraded", "approved", "district"
            db.session.flush()
            ops.add_product(round_, p, staff)
        db.session.commit()
        round_id, entries = round_.id, [e.id for e in round_.products]
        entry0 = round_.products[0]
        criteria = ops.criteria_of(entry0.sheet_set)
        choices = {f"c{c.id}": str(max(c.options, key=lambda o: o.points).id) for c in criteria}
    database.read_only_intent.set(False)
    clients = []
    for m in range(MEMBERS):
        c = app.test_client()
        c.post("/auth/login", data={"username": f"hd{m}", "password": "x"})
        clients.append(c)
    url = f"/staff/evaluation/rounds/{round_id}/products/{entries[0]}/sheet"
    med, worst = timed(lambda: clients[1].get(url))
    print(f"sheet page GET ({len(criteria)} criteria): median {med:.1f} ms, max {worst:.1f} ms")
    med, worst = timed(lambda: clients[1].post(url, data={**choices, "action": "save"},
                                                headers={"HX-Request": "true"}))
    print(f"htmx autosave POST: median {med:.1f} ms, max {worst:.1f} ms")
    t = time.process_time()
    for entry in entries:
        with app.app_context():
            crit = ops.criteria_of(db.session.get(ops.RoundProduct, entry).sheet_set)
            data = {f"c{c.id}": str(max(c.options, key=lambda o: o.points).id) for c in crit}
        for c in clients:
            c.post(f"/staff/evaluation/rounds/{round_id}/products/{entry}/sheet", data={**data, "action": "submit"})
    n = PRODUCTS * MEMBERS
    print(f"submit: {(time.process_time() - t) * 1000 / n:.1f} ms per sheet ({n} sheets)")
    med, worst = timed(lambda: clients[0].get(f"/staff/evaluation/rounds/{round_id}"), n=10)
    print(f"round page ({PRODUCTS} products × {MEMBERS} members): median {med:.1f} ms, max {worst:.1f} ms")
    t = time.process_time()
    r = clients[0].post(f"/staff/evaluation/rounds/{round_id}/close", data={})
    print(f"close round ({PRODUCTS} products): {(time.process_time() - t) * 1000:.0f} ms (HTTP {r.status_code})")
    t = time.process_time()
    r = clients[0].get(f"/staff/evaluation/rounds/{round_id}/export.xlsx")
    print(f"XLSX export ({len(r.data) // 1024} KiB): {(time.process_time() - t) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
