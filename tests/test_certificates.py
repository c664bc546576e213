"""A certificate's life after ranking: validity with a fixed clock, re-evaluation window, revocation, upgrade."""

from __future__ import annotations

import datetime as dt

import pytest

from ocop_app.extensions import db
from ocop_app.models import Certificate, Product, StageEvent
from ocop_app.workflow import Level, Role, Stage, Status


@pytest.fixture
def certified(app, make_product):
    """A 3★ product ranked under QĐ 148/2023 with a certificate signed on 15/12/2023."""
    product = make_product(Stage.RANKED, Status.APPROVED, Level.CITY, stars=3, score=64, name="Chè lam Thạch Xá",
                           rule_set_code="qd148-2023")
    cert = Certificate(product=product, number="123/QĐ-UBND-2023", decision_no="Quyết định 123/QĐ-UBND",
                       signed_on=dt.date(2023, 12, 15), valid_until=dt.date(2026, 12, 15), stars=3,
                       issued_by="district", rule_set_code="qd148-2023")
    db.session.add(cert)
    db.session.commit()
    return product, cert


def _on(app, day):
    app.config["OCOP_TODAY"] = dt.date.fromisoformat(day)


def test_reevaluation_window_and_expiry_with_a_fixed_clock(app, certified, client, make_user):
    product, cert = certified
    assert cert.reevaluation_window() == (dt.date(2026, 6, 18), dt.date(2026, 8, 17))
    staff = make_user(Role.COMMUNE_STAFF)
    client.login(staff)

    _on(app, "2026-06-17")
    assert not cert.in_reevaluation_window(dt.date(2026, 6, 17))
    assert "Đang trong thời hạn đánh giá lại" not in client.get(f"/staff/products/{product.id}").get_data(as_text=True)
    _on(app, "2026-06-18")
    assert "Đang trong thời hạn đánh giá lại" in client.get(f"/staff/products/{product.id}").get_data(as_text=True)

    _on(app, "2026-12-15")  # the last day: still valid in the public register
    assert "Chè lam Thạch Xá" in client.get("/").get_data(as_text=True)
    page = client.get(f"/p/{product.id}").get_data(as_text=True)
    assert "15/12/2026" in page and "Còn hiệu lực" in page
    item = client.get("/api/v1/products").get_json()["items"][0]
    assert (item["certificate_status"], item["valid_until"]) == ("valid", "2026-12-15")

    _on(app, "2026-12-16")  # expired: still listed, but as expired, never as valid
    item = client.get("/api/v1/products").get_json()["items"][0]
    assert item["certificate_status"] == "expired"
    page = client.get(f"/p/{product.id}").get_data(as_text=True)
    assert "Hết hiệu lực" in page and "Còn hiệu lực" not in page
    check = client.get("/certificate?no=123/QĐ-UBND-2023").get_data(as_text=True)
    assert "hết hiệu lực" in check.lower() and "15/12/2026" in check


def test_revocation_ends_the_certificate_at_once(app, certified, make_user, new_client):
    product, cert = certified
    _on(app, "2026-03-02")
    public = new_client()
    assert "Chè lam Thạch Xá" in public.get("/").get_data(as_text=True)

    commune = new_client()
    commune.login(make_user(Role.COMMUNE_APPROVER))
    assert commune.post(f"/staff/certificates/{cert.id}/revoke",
                        {"ground": "violations", "decision_no": "45/QĐ-UBND"}).status_code == 403

    city = new_client()
    city.login(make_user(Role.CITY_APPROVER))
    page = city.get(f"/staff/certificates/{cert.id}").get_data(as_text=True)
    assert "Thu hồi giấy chứng nhận" in page and "ngừng sản xuất" in page
    # No ground, no decision: 422 with what was typed kept, nothing changes.
    r = city.post(f"/staff/certificates/{cert.id}/revoke", {"ground": "", "decision_no": "", "note": "Kiểm tra"})
    assert r.status_code == 422 and "Kiểm tra" in r.get_data(as_text=True)
    r = city.post(f"/staff/certificates/{cert.id}/revoke", {"ground": "teleport", "decision_no": "45/QĐ-UBND"})
    assert r.status_code == 422
    db.session.rollback()
    assert db.session.get(Certificate, cert.id).revoked_on is None
    db.session.rollback()

    r = city.post(f"/staff/certificates/{cert.id}/revoke", {"ground": "violations", "decision_no": "45/QĐ-UBND"})
    assert r.status_code == 303
    assert "Chè lam Thạch Xá" not in public.get("/").get_data(as_text=True)
    assert public.get(f"/p/{product.id}").status_code == 410  # the page says it was revoked (test_user_reported_fixes)
    check = public.get("/certificate?no=123/QĐ-UBND-2023").get_data(as_text=True)
    assert "Đã bị thu hồi" in check and "bị thu hồi ngày 02/03/2026" in check and "45/QĐ-UBND" in check
    assert public.get("/certificate?no=nope").status_code == 404
    db.session.rollback()
    event = db.session.query(StageEvent).filter_by(product_id=product.id, action="revoke_certificate").one()
    assert "45/QĐ-UBND" in event.detail
    db.session.rollback()
    # Revoking twice is refused.
    assert city.post(f"/staff/certificates/{cert.id}/revoke",
                     {"ground": "violations", "decision_no": "46/QĐ-UBND"}).status_code == 422


def test_upgrade_opens_a_new_passage_under_the_current_rules(app, certified, make_user, new_client):
    product, cert = certified
    app.config["OCOP_RULE_SET"] = "qd26-2026"
    _on(app, "2026-09-01")
    staff = new_client()
    staff.login(make_user(Role.COMMUNE_STAFF))
    assert "Mở hồ sơ nâng hạng sao" in staff.get(f"/staff/products/{product.id}").get_data(as_text=True)
    r = staff.post(f"/staff/products/{product.id}/upgrade")
    assert r.status_code == 303
    db.session.rollback()
    passage = db.session.query(Product).filter_by(upgrade_of_id=product.id).one()
    assert (passage.stage, passage.status, passage.level, passage.rule_set_code) == \
        ("registered", "draft", "commune", "qd26-2026")
    db.session.rollback()
    # The ranked passage stays public while the upgrade runs; a second upgrade is refused.
    assert "Chè lam Thạch Xá" in new_client().get("/").get_data(as_text=True)
    assert staff.post(f"/staff/products/{product.id}/upgrade").status_code == 403
    # Once the upgrade is ranked it replaces the old passage: the old page (the QR code on older
    # packaging) leads to the new one.
    passage = db.session.get(Product, passage.id)
    passage.stage, passage.status, passage.level, passage.stars = "ranked", "approved", "city", 4
    db.session.add(Certificate(product=passage, number="HN-2026-0400", decision_no="400/QĐ-UBND",
                               signed_on=dt.date(2026, 8, 20), valid_until=dt.date(2029, 8, 20), stars=4,
                               issued_by="city", rule_set_code="qd26-2026"))
    db.session.commit()
    old_page = new_client().get(f"/p/{product.id}")
    assert old_page.status_code == 302 and old_page.headers["Location"].endswith(f"/p/{passage.id}")
    db.session.rollback()


@pytest.mark.parametrize("role, unit, issued_by, status", [
    (Role.DISTRICT_APPROVER, "quoc_oai", "district", 404),  # may revoke, but the certificate is not in their unit
    (Role.CITY_APPROVER, "lam_dong", "district", 404),
    (Role.COMMUNE_APPROVER, "binh_phu", "district", 403),   # a role that never revokes: refused before the lookup
    (Role.CITY_STAFF, "lam_dong", "district", 403),
    (Role.DISTRICT_APPROVER, "thach_that", "city", 403),    # in their unit, but the city recognised the stars
])
def test_revocation_refusals_answer_as_the_readme_says(app, certified, make_user, new_client, role, unit, issued_by,
                                                       status):
    """Tester finding 10: README said an out-of-scope revocation gets 404, the tester got 403. Out of scope is
    404 as everywhere in the app; a role that may never revoke is 403 before any lookup, whatever the scope;
    and in scope but not the recognising level is 403 (QĐ 26/2026 Điều 8)."""
    product, cert = certified
    cert.issued_by = issued_by
    db.session.commit()
    _on(app, "2026-03-02")
    c = new_client()
    c.login(make_user(role, unit))
    r = c.post(f"/staff/certificates/{cert.id}/revoke", {"ground": "violations", "decision_no": "45/QĐ-UBND"})
    assert r.status_code == status
    if status == 403 and issued_by == "city":
        assert "Chỉ cơ quan đã công nhận hạng sao mới được thu hồi." in r.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Certificate, cert.id).revoked_on is None
    assert db.session.query(StageEvent).filter_by(product_id=product.id, action="revoke_certificate").count() == 0
