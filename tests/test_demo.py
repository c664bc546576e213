"""The demo data: real products, one user per role and unit, loaded idempotently."""

from __future__ import annotations

import datetime as dt
import re

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
    # the real ones, the 2024 round's ★3 (district) and ★4 (city), and the re-evaluation sample
    assert ranked == 161 + 2 + 1
    # 3 in the 2024 round, 2 dossiers of 2026, 1 certificate due for re-evaluation
    assert report.created["demo sample products"] == 6
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
    # This cycle's district course, the district's 2024 course and the city's 2026 course.
    assert report.created["training courses"] == 3 and report.created["dossier files"] > 0
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


def _product(name):
    db.session.rollback()
    return db.session.scalars(select(Product).where(Product.name == name)).one()


def test_demo_2024_round_under_qd148_shows_its_sheet_and_district_recognition(app, client, new_client):
    import re

    from ocop_app.models import Certificate, EvaluationRound, RoundProduct, ScoreSheet

    demo.load()
    counts = [db.session.scalar(select(func.count()).select_from(m))
              for m in (EvaluationRound, RoundProduct, ScoreSheet, Certificate, StageEvent)]
    assert str(demo.load()) == "nothing new (demo data already loaded)"
    db.session.rollback()
    assert counts == [db.session.scalar(select(func.count()).select_from(m))
                      for m in (EvaluationRound, RoundProduct, ScoreSheet, Certificate, StageEvent)]

    three, four, below = (_product(d.name) for d in demo.DOSSIERS_2024)
    assert (three.stage, three.level, three.stars, three.rule_set_code) == ("ranked", "district", 3, "qd148-2023")
    assert (four.stage, four.level, four.stars) == ("ranked", "city", 4)
    assert (below.stage, below.status, below.stars) == ("evaluated", "closed", 2)
    cert = db.session.scalars(select(Certificate).where(Certificate.product_id == three.id)).one()
    assert (cert.issued_by, cert.signed_on.year) == ("district", 2024)
    assert db.session.scalars(select(Certificate).where(Certificate.product_id == four.id)).one().issued_by == "city"
    round_ = db.session.scalars(select(EvaluationRound).where(EvaluationRound.name == demo.ROUND_2024)).one()
    assert round_.closed and round_.closed_at.year == 2024 and round_.rule_set_code == "qd148-2023"
    assert {e.at.year for e in db.session.scalars(select(StageEvent).where(StageEvent.product_id == three.id))} == {2024}
    db.session.rollback()

    client.login("huyen.canbo", "ocop-demo")
    page = client.get(f"/staff/products/{three.id}").get_data(as_text=True)
    assert "Quyết định 148/QĐ-TTg" in page and demo.ROUND_2024 in page
    rounds = page[page.index('id="product-rounds"'):]
    assert re.findall(r"<td>([\d,]+)</td></tr>", rounds) == ["40", "25", "35"]  # the part maxima
    assert "Được công nhận ở cấp Huyện: 3 sao" in rounds and "DEMO-TT-2024-001" in rounds
    assert "Cấp Huyện (3 sao)" in page
    link = re.search(r'href="(/staff/evaluation/rounds/\d+/products/\d+)"', rounds).group(1)
    result = client.get(link).get_data(as_text=True)
    assert re.findall(r"<td>([\d,]+)</td></tr>", result) == ["40", "25", "35"]
    assert "Được công nhận ở cấp Huyện: 3 sao" in result and "62" in result
    four_page = client.get(f"/staff/products/{four.id}").get_data(as_text=True)
    assert "Được công nhận ở cấp Thành phố: 4 sao" in four_page
    assert "Dưới 3 sao: không được công nhận." in client.get(f"/staff/products/{below.id}").get_data(as_text=True)
    public = new_client().get(f"/p/{three.id}").get_data(as_text=True)
    assert "Cấp Huyện (3 sao)" in public


def test_demo_2026_dossiers_go_commune_to_city_and_wait_for_the_city_council(app, client):
    from ocop_app.models import EvaluationRound

    demo.load()
    round_ = db.session.scalars(select(EvaluationRound).where(EvaluationRound.name == demo.ROUND_2026)).one()
    assert (round_.level, round_.rule_set_code, round_.status, round_.chair.user.username) == (
        "city", "qd26-2026", "open", "tp.hoidong1")
    for item in demo.DOSSIERS_2026:
        product = _product(item.name)
        assert (product.rule_set_code, product.stage, product.level) == ("qd26-2026", "upgraded", "city")
        events = db.session.scalars(select(StageEvent).where(StageEvent.product_id == product.id)
                                    .order_by(StageEvent.id)).all()
        assert "district" not in {e.to_level for e in events} | {e.from_level for e in events}
        assert [e.action for e in events][:4] == ["create", "submit", "commune_send_to_city", "city_accept"]
        assert {e.at.year for e in events} == {2026}
    db.session.rollback()
    app.config["OCOP_TODAY"] = dt.date(2026, 12, 5)
    client.login("tp.hoidong1", "ocop-demo")
    page = client.get("/staff/queue").get_data(as_text=True)
    assert "Phiếu chấm điểm cần điền" in page and "Không có việc nào" not in page
    for item in demo.DOSSIERS_2026:
        assert item.name in page
    sheet_link = re.search(r'href="(/staff/evaluation/rounds/\d+/products/\d+/sheet)"', page).group(1)
    assert client.get(sheet_link).status_code == 200
    count = client.get("/staff/queue/count").get_data(as_text=True)
    assert re.search(r"</span>\s*2</span>", count), count
    app.config["OCOP_TODAY"] = None


def test_demo_has_a_certificate_whose_reevaluation_can_be_filed_today(app, client):
    """Whatever day the demo is loaded, one ★4 sample's certificate is in its re-evaluation window
    (QĐ 26/2026 Điều 4), and its commune's officer can file the re-evaluation."""
    from ocop_app.models import Certificate, Reevaluation

    app.config["OCOP_TODAY"] = dt.date(2027, 3, 1)
    demo.load()
    product = _product(demo.REEVALUATION_SAMPLE)
    cert = db.session.scalars(select(Certificate).where(Certificate.product_id == product.id)).one()
    assert cert.valid_until == dt.date(2027, 7, 29) and cert.in_reevaluation_window(dt.date(2027, 3, 1))
    db.session.rollback()
    client.login("xa.cankiem", "ocop-demo")
    page = client.get(f"/staff/certificates/{cert.id}").get_data(as_text=True)
    assert "DEMO-HN-2024-RE1" in page
    r = client.post(f"/staff/certificates/{cert.id}/reevaluation", {})
    assert r.status_code == 303, r.get_data(as_text=True)[:500]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Reevaluation)
                             .where(Reevaluation.certificate_id == cert.id)) == 1
    app.config["OCOP_TODAY"] = None
