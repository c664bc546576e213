"""Delegation: an approver's substitute signs off "on behalf of" during the period, never outside it."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from conftest import snapshot
from ocop_app.extensions import db
from ocop_app.models import Delegation, Product, StageEvent
from ocop_app.workflow import Level, Role, Stage, Status


def test_substitute_signs_off_on_behalf_during_the_period_only(app, make_user, make_product, new_client):
    staff = make_user(Role.COMMUNE_STAFF)
    approver = make_user(Role.COMMUNE_APPROVER, username="xa.thachxa.duyet")
    substitute = make_user(Role.COMMUNE_STAFF, username="xa.thachxa.pho")
    outsider = make_user(Role.COMMUNE_STAFF, "binh_phu")
    app.config["OCOP_TODAY"] = dt.date(2026, 12, 1)

    boss = new_client()
    boss.login(approver)
    page = boss.get("/staff/delegations").get_data(as_text=True)
    assert "xa.thachxa.pho" in page and outsider.username not in page  # only colleagues of the unit
    # Invalid range: 422, what was typed is kept.
    r = boss.post("/staff/delegations", {"substitute": str(substitute.id), "starts_on": "10/12/2026",
                                         "ends_on": "05/12/2026", "reason": "Đi công tác"})
    assert r.status_code == 422 and "Đi công tác" in r.get_data(as_text=True)
    r = boss.post("/staff/delegations", {"substitute": str(substitute.id), "starts_on": "02/12/2026",
                                         "ends_on": "05/12/2026", "reason": "Đi công tác"})
    assert r.status_code == 303
    db.session.rollback()
    assert db.session.query(Delegation).count() == 1
    db.session.rollback()

    product = make_product(Stage.REGISTERED, Status.AWAITING, Level.COMMUNE, last_actor=staff)
    sub = new_client()
    sub.login(substitute)

    def sign_off():
        db.session.rollback()
        version = db.session.get(Product, product.id).version
        db.session.rollback()
        return sub.post(f"/staff/products/{product.id}/actions/commune_sign_off", {"version": version})

    assert sign_off().status_code == 403  # 01/12: before the period
    app.config["OCOP_TODAY"] = dt.date(2026, 12, 6)
    assert sign_off().status_code == 403  # 06/12: after it
    db.session.rollback()
    assert db.session.get(Product, product.id).level == "commune"
    db.session.rollback()

    app.config["OCOP_TODAY"] = dt.date(2026, 12, 3)
    assert "Sản phẩm thử" in sub.get("/staff/queue").get_data(as_text=True)
    assert sign_off().status_code == 303
    db.session.rollback()
    event = db.session.query(StageEvent).filter_by(product_id=product.id, action="commune_sign_off").one()
    assert event.actor_id == substitute.id and event.on_behalf_of_id == approver.id
    db.session.rollback()
    page = sub.get(f"/staff/products/{product.id}").get_data(as_text=True)
    assert f"thay mặt {approver.full_name}" in page


def test_only_approvers_delegate_and_only_their_own(app, make_user, new_client):
    staff = make_user(Role.COMMUNE_STAFF)
    c = new_client()
    c.login(staff)
    assert c.post("/staff/delegations", {"substitute": "1", "starts_on": "01/12/2026",
                                         "ends_on": "02/12/2026"}).status_code == 403
    a, b = make_user(Role.COMMUNE_APPROVER), make_user(Role.COMMUNE_APPROVER)
    app.config["OCOP_TODAY"] = dt.date(2026, 12, 1)
    d = Delegation(principal=a, substitute=staff, starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2026, 12, 9))
    db.session.add(d)
    db.session.commit()
    other = new_client()
    other.login(b)
    assert other.post(f"/staff/delegations/{d.id}/cancel").status_code == 404
    owner = new_client()
    owner.login(a)
    assert owner.post(f"/staff/delegations/{d.id}/cancel").status_code == 303
    db.session.rollback()
    assert db.session.get(Delegation, d.id).cancelled_at is not None


def test_a_bad_date_on_the_delegation_form_is_kept_in_a_text_box(make_user, new_client):
    boss = new_client()
    boss.login(make_user(Role.DISTRICT_APPROVER))
    r = boss.post("/staff/delegations", {"substitute": "", "starts_on": "31/02/2026", "ends_on": "31/02/2026",
                                         "reason": "Nghỉ phép"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "Nhập ngày theo dạng dd/mm/yyyy" in page
    box = re.search(r'<input[^>]*name="starts_on"[^>]*>', page).group(0)
    assert 'type="text"' in box and 'value="31/02/2026"' in box, box


def test_a_substitute_outside_the_period_is_told_when_the_delegation_runs(app, make_user, make_product, new_client):
    """Tester finding 6: outside the period the substitute got only "your role may not take this step"."""
    staff = make_user(Role.COMMUNE_STAFF)
    approver = make_user(Role.COMMUNE_APPROVER)
    approver.full_name = "Trần Văn Bình"
    db.session.commit()
    substitute = make_user(Role.COMMUNE_STAFF)
    app.config["OCOP_TODAY"] = dt.date(2026, 12, 1)
    boss = new_client()
    boss.login(approver)
    assert boss.post("/staff/delegations", {"substitute": str(substitute.id), "starts_on": "02/12/2026",
                                            "ends_on": "05/12/2026"}).status_code == 303
    db.session.rollback()
    product = make_product(Stage.REGISTERED, Status.AWAITING, Level.COMMUNE, last_actor=staff)
    before = snapshot(product.id)
    sub = new_client()
    sub.login(substitute)

    def refusal(day):
        app.config["OCOP_TODAY"] = day
        r = sub.post(f"/staff/products/{product.id}/actions/commune_sign_off", {"version": before[5]})
        assert r.status_code == 403
        assert snapshot(product.id) == before
        return r.get_data(as_text=True)

    assert ("Ủy quyền của Trần Văn Bình cho bạn có hiệu lực từ 02/12/2026 đến 05/12/2026: chưa bắt đầu, nên bạn "
            "chưa thể thay mặt thực hiện bước này trước ngày 02/12/2026.") in refusal(dt.date(2026, 12, 1))
    assert ("Ủy quyền của Trần Văn Bình cho bạn có hiệu lực từ 02/12/2026 đến 05/12/2026: đã kết thúc ngày "
            "05/12/2026, nên bạn không còn được thay mặt thực hiện bước này.") in refusal(dt.date(2026, 12, 6))

    # Cancelled by the approver during the period: said so, with the day.
    app.config["OCOP_TODAY"] = dt.date(2026, 12, 3)
    delegation = db.session.query(Delegation).one()
    assert boss.post(f"/staff/delegations/{delegation.id}/cancel").status_code == 303
    assert ("Ủy quyền của Trần Văn Bình cho bạn (từ 02/12/2026 đến 05/12/2026) đã bị hủy ngày 03/12/2026, nên bạn "
            "không còn được thay mặt thực hiện bước này.") in refusal(dt.date(2026, 12, 4))

    # Someone never named a substitute keeps the plain refusal.
    sub = new_client()
    sub.login(make_user(Role.COMMUNE_STAFF))
    page = refusal(dt.date(2026, 12, 3))
    assert "Vai trò của bạn không được thực hiện bước này." in page and "Ủy quyền của" not in page


def test_a_second_approver_or_an_overlapping_period_is_refused_with_what_to_do(app, make_user, new_client):
    """Tester report (session 5): an approver could name a fellow approver (whose own sign-offs would then
    read "on behalf of") and name two substitutes for the same days."""
    app.config["OCOP_TODAY"] = dt.date(2026, 6, 18)
    boss_user = make_user(Role.DISTRICT_APPROVER)
    fellow = make_user(Role.DISTRICT_APPROVER)
    officer, officer2 = make_user(Role.DISTRICT_STAFF), make_user(Role.DISTRICT_STAFF)
    boss = new_client()
    boss.login(boss_user)
    form = boss.get("/staff/delegations").get_data(as_text=True)
    assert f'value="{officer.id}"' in form and f'value="{fellow.id}"' not in form  # not even offered
    r = boss.post("/staff/delegations", {"substitute": str(fellow.id), "starts_on": "20/06/2026",
                                         "ends_on": "30/06/2026"})
    assert r.status_code == 422
    from ocop_app.delegation import operations
    from ocop_app.products.operations import InvalidInput

    with pytest.raises(InvalidInput) as refused:  # and refused by the rule itself, whatever the form offers
        operations.create(boss_user, fellow, dt.date(2026, 6, 20), dt.date(2026, 6, 30))
    assert "không cần ủy quyền" in str(refused.value.errors["substitute"]) or "no delegation" in str(
        refused.value.errors["substitute"])
    db.session.rollback()
    assert boss.post("/staff/delegations", {"substitute": str(officer.id), "starts_on": "20/06/2026",
                                            "ends_on": "30/06/2026"}).status_code == 303
    r = boss.post("/staff/delegations", {"substitute": str(officer2.id), "starts_on": "25/06/2026",
                                         "ends_on": "05/07/2026", "reason": "Công tác"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "từ 20/06/2026 đến 30/06/2026" in page and 'value="05/07/2026"' in page
    assert boss.post("/staff/delegations", {"substitute": str(officer2.id), "starts_on": "01/07/2026",
                                            "ends_on": "05/07/2026"}).status_code == 303
    db.session.rollback()
    assert db.session.query(Delegation).filter_by(principal_id=boss_user.id).count() == 2
    db.session.rollback()
