"""The demo data: real products, one user per role and unit, loaded idempotently."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from ocop_app import demo
from ocop_app.extensions import db
from ocop_app.models import AdminUnit, Product, StageEvent, User


def _counts():
    db.session.rollback()
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (AdminUnit, User, Product, StageEvent))


def test_demo_load_is_idempotent_and_real(app, client):
    report = demo.load()
    assert report.created["products"] == 214  # 161 ranked + 53 unconfirmed
    first = _counts()
    assert str(demo.load()) == "nothing new (demo data already loaded)"
    assert _counts() == first

    users = {u.username: u for u in db.session.scalars(select(User))}
    for name in ("admin", "xa.thachxa", "xa.thachxa.duyet", "xa.binhphu", "huyen.canbo", "huyen.duyet",
                 "huyen.hoidong1", "tp.canbo", "tp.duyet", "tp.hoidong1"):
        assert name in users and users[name].check_password("ocop-demo")
    assert users["xa.thachxa"].unit.name == "Thạch Xá"
    assert users["huyen.duyet"].unit.name == "Thạch Thất"

    ranked = db.session.scalar(select(func.count()).select_from(Product).where(Product.stage == "ranked"))
    assert ranked == 161
    # All 24 demo 5★ products are listed; a star counts as valid only while its certificate is
    # (36 months; demo certificates are dated 1 July of the year of recognition): on 29/11/2026
    # those recognised in 2024–2025 (9) are valid, one has no year (no certificate), the rest expired.
    app.config["OCOP_TODAY"] = dt.date(2026, 11, 29)
    five = client.get("/api/v1/products?stars=5&per_page=100").get_json()
    assert five["total"] == 24
    statuses = [i["certificate_status"] for i in five["items"]]
    assert (statuses.count("valid"), statuses.count(None), statuses.count("expired")) == (9, 1, 14)
    app.config["OCOP_TODAY"] = None
    assert "Khoai tây Hương Ngải" in client.get("/?q=khoai tay").get_data(as_text=True)


def test_demo_queues_have_work(app, client):
    demo.load()
    client.login("huyen.duyet", "ocop-demo")
    page = client.get("/staff/queue").get_data(as_text=True)
    assert "Không có việc nào" not in page


def test_demo_certificates_expire_after_36_months(app):
    import datetime as dt

    from ocop_app.models import Certificate, CertificateStatus

    demo.load()
    certificates = db.session.scalars(select(Certificate)).all()
    assert certificates and all(c.number.startswith("DEMO-") for c in certificates)
    today = dt.date(2026, 11, 29)
    old = [c for c in certificates if c.signed_on.year == 2021]
    new = [c for c in certificates if c.signed_on.year == 2025]
    assert old and all(c.status_on(today) is CertificateStatus.EXPIRED for c in old)
    assert new and all(c.status_on(today) is CertificateStatus.VALID for c in new)


def test_demo_training_plans_and_dossiers(app, client):
    from ocop_app.models import CourseAttendee, DossierItem, StoredFile, TrainingCourse, UpgradeAction

    report = demo.load()
    assert report.created["training courses"] == 1 and report.created["dossier files"] > 0
    counts = [db.session.scalar(select(func.count()).select_from(m))
              for m in (TrainingCourse, CourseAttendee, UpgradeAction, DossierItem, StoredFile)]
    assert str(demo.load()) == "nothing new (demo data already loaded)"
    db.session.rollback()
    assert counts == [db.session.scalar(select(func.count()).select_from(m))
                      for m in (TrainingCourse, CourseAttendee, UpgradeAction, DossierItem, StoredFile)]
    f = db.session.scalars(select(StoredFile)).first()
    db.session.rollback()
    client.login("huyen.duyet", "ocop-demo")
    r = client.get(f"/staff/dossier/files/{f.id}")
    assert r.status_code == 200 and r.data.startswith(b"%PDF") and b"DEMO" in r.data
    r.close()
    # The district approver's queue offers "confirm training" and "send to evaluation" as open steps.
    page = client.get("/staff/queue").get_data(as_text=True)
    assert "Xác nhận" in page
