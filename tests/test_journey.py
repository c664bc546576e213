"""A product's whole passage through HTTP, as the people in the issue would do it."""

from __future__ import annotations

import datetime as dt
import re

from conftest import city_scored, satisfy_guards, snapshot
from evaluation_support import (add_member, add_product, choose_for_total, close_round,
                               criteria_for, make_round, setup_round, submit)
from ocop_app.extensions import db
from ocop_app.models import Certificate, Product, StageEvent
from ocop_app.workflow import Role


def _fresh(product_id) -> Product:
    """The product as it is now in the database (ending the test thread's read snapshot)."""
    db.session.rollback()
    return db.session.get(Product, product_id)


def _action(client, product_id, name, **data):
    version = _fresh(product_id).version
    db.session.rollback()
    return client.post(f"/staff/products/{product_id}/actions/{name}", {"version": version, **data})


def _queue_names(client):
    page = client.get("/staff/queue").get_data(as_text=True)
    return re.findall(r'href="/staff/products/\d+">([^<]+)</a>', page)


def test_register_sign_off_and_rank(make_user, new_client):
    staff = make_user(Role.COMMUNE_STAFF, username="xa.thachxa")
    approver = make_user(Role.COMMUNE_APPROVER, username="xa.thachxa.duyet")
    other_commune = make_user(Role.COMMUNE_STAFF, "binh_phu", username="xa.binhphu")
    d_staff = make_user(Role.DISTRICT_STAFF, username="huyen.canbo")
    d_approver = make_user(Role.DISTRICT_APPROVER, username="huyen.duyet")
    council = make_user(Role.DISTRICT_COUNCIL, username="huyen.hoidong1")
    c_approver = make_user(Role.CITY_APPROVER, username="tp.duyet")

    a = new_client()
    a.login(staff)
    r = a.post("/staff/products/new", {
        "name": "Chè lam Thạch Xá", "product_set_no": "6", "producer_name": "HTX Chè lam Thạch Xá",
        "producer_type": "cooperative", "registration_no": "", "description": "Bánh chè lam truyền thống",
    })
    assert r.status_code == 303
    product_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
    assert "Chè lam Thạch Xá" in a.get(f"/staff/products/{product_id}").get_data(as_text=True)

    # Another commune cannot even see it.
    b = new_client()
    b.login(other_commune)
    assert b.get(f"/staff/products/{product_id}").status_code == 404
    assert _action(b, product_id, "submit").status_code == 404

    duyet = new_client()
    duyet.login(d_approver)
    assert _action(a, product_id, "submit").status_code == 303
    assert "Chè lam Thạch Xá" not in _queue_names(duyet)  # not before the commune signs off

    ca = new_client()
    ca.login(approver)
    assert "Chè lam Thạch Xá" in _queue_names(ca)
    assert _action(ca, product_id, "commune_sign_off").status_code == 303
    assert "Chè lam Thạch Xá" in _queue_names(duyet)  # now it waits for the district

    canbo = new_client()
    canbo.login(d_staff)
    assert _action(duyet, product_id, "district_accept").status_code == 303
    satisfy_guards(_fresh(product_id), "record_training")  # a course attended (tests/test_training.py)
    assert _action(canbo, product_id, "record_training").status_code == 303
    assert _action(duyet, product_id, "confirm_training").status_code == 303
    assert _action(canbo, product_id, "record_upgrade").status_code == 303
    satisfy_guards(_fresh(product_id), "send_to_evaluation")  # plan and dossier (tests/test_dossier*.py)
    assert _action(duyet, product_id, "send_to_evaluation").status_code == 303

    # The district council scores it in an evaluation round; the chair closes the round.
    db.session.rollback()  # end the test thread's read snapshot before writing
    members = [council, make_user(Role.DISTRICT_COUNCIL, "thach_that"), make_user(Role.DISTRICT_COUNCIL, "thach_that")]
    round_id = make_round(canbo)
    for user, role in zip(members, ("chair", "member", "member")):
        add_member(canbo, round_id, user, role)
    entry_id = add_product(canbo, round_id, _fresh(product_id))
    criteria = criteria_for(entry_id)
    clients = []
    for user, total in zip(members, (72, 75, 68)):
        c = new_client()
        c.login(user)
        clients.append(c)
        assert submit(c, round_id, entry_id, choose_for_total(criteria, total)).status_code == 303
    assert close_round(clients[0], round_id).status_code == 303
    p = _fresh(product_id)
    assert (float(p.score), p.stars) == (71.67, 4)
    db.session.rollback()

    # ★4 must go up, not be closed.
    assert _action(duyet, product_id, "close_not_recognised").status_code == 403
    assert _action(duyet, product_id, "propose_to_city").status_code == 303

    tp = new_client()
    tp.login(c_approver)
    assert "Chè lam Thạch Xá" in _queue_names(tp)
    # The city does not rank on the district's score alone: its council scores first.
    refused = _action(tp, product_id, "confirm_ranking", decision_no="1234/QĐ-UBND", signed_on="15/07/2026",
                      certificate_no="HN-OCOP-2026-0001")
    assert refused.status_code == 403 and "Hội đồng thành phố chưa chấm" in refused.get_data(as_text=True)
    city_scored(_fresh(product_id))
    assert _action(tp, product_id, "confirm_ranking", decision_no="1234/QĐ-UBND", signed_on="15/07/2026",
                   certificate_no="HN-OCOP-2026-0001").status_code == 303
    p = _fresh(product_id)
    assert (p.stage, p.status, p.stars, p.ranked_on) == ("ranked", "approved", 4, dt.date(2026, 7, 15))
    cert = p.certificate
    assert (cert.number, cert.decision_no, cert.signed_on, cert.valid_until, cert.stars) == (
        "HN-OCOP-2026-0001", "1234/QĐ-UBND", dt.date(2026, 7, 15), dt.date(2029, 7, 15), 4)
    db.session.rollback()

    # The public sees it, with its stars.
    public = new_client()
    assert "Chè lam Thạch Xá" in public.get("/").get_data(as_text=True)
    items = public.get("/api/v1/products?q=che lam").get_json()["items"]
    assert [(i["name"], i["stars"], i["score"]) for i in items] == [("Chè lam Thạch Xá", 4, 71.67)]

    # The timeline shows who, what and when for all 13 steps.
    db.session.rollback()
    events = db.session.query(StageEvent).filter_by(product_id=product_id).order_by(StageEvent.id).all()
    assert [e.action for e in events] == [
        "create", "submit", "commune_sign_off", "district_accept", "record_training", "confirm_training",
        "record_upgrade", "send_to_evaluation", "finalise_evaluation", "propose_to_city", "city_council_result",
        "confirm_ranking",
    ]
    page = a.get(f"/staff/products/{product_id}").get_data(as_text=True)
    assert "Công nhận hạng sao" in page and "tp.duyet" not in page  # full names, not user names
    # Details in words, not the stored key=value form.
    assert "71,67 điểm; 4 sao" in page and "ký ngày 15/07/2026" in page and "giấy chứng nhận HN-OCOP-2026-0001" in page
    assert "signed=" not in page and "score=" not in page
    assert page.count("<time datetime=") == len(events)


def test_low_score_is_ranked_two_stars_and_stays_private(make_user, make_product, new_client):
    product = make_product("upgraded", "approved", "district", name="Mứt gừng thử")
    round_id, (entry_id,), org, people = setup_round(make_user, new_client, [product])
    criteria = criteria_for(entry_id)
    for (user, c), total in zip(people, (48, 50, 51)):
        assert submit(c, round_id, entry_id, choose_for_total(criteria, total, floor_stars=None)).status_code == 303
    assert close_round(people[0][1], round_id).status_code == 303
    p = _fresh(product.id)
    assert (float(p.score), p.stars) == (49.67, 2)
    db.session.rollback()
    duyet = new_client()
    duyet.login(make_user(Role.DISTRICT_APPROVER))
    assert _action(duyet, product.id, "propose_to_city").status_code == 403
    assert _action(duyet, product.id, "close_not_recognised").status_code == 303
    public = new_client()
    assert "Mứt gừng thử" not in public.get("/").get_data(as_text=True)
    assert public.get("/api/v1/products?q=mut gung").get_json()["items"] == []
    assert public.get(f"/p/{product.id}").status_code == 404


def test_return_with_reason_shows_in_timeline_and_allows_resubmission(make_user, make_product, new_client):
    staff = make_user(Role.COMMUNE_STAFF)
    product = make_product("registered", "awaiting", "commune", last_actor=staff)
    ca = new_client()
    ca.login(make_user(Role.COMMUNE_APPROVER))
    r = _action(ca, product.id, "commune_return", reason="Thiếu giấy đăng ký kinh doanh")
    assert r.status_code == 303
    a = new_client()
    a.login(staff)
    page = a.get(f"/staff/products/{product.id}").get_data(as_text=True)
    assert "Thiếu giấy đăng ký kinh doanh" in page and "Trả lại để bổ sung" in page
    # The returned draft can be edited and submitted again.
    version = snapshot(product.id)[5]
    r = a.post(f"/staff/products/{product.id}/edit", {
        "name": "Tên mới", "product_set_no": "7", "producer_name": "HTX thử nghiệm 1",
        "producer_type": "cooperative", "version": version,
    })
    assert r.status_code == 303
    assert _action(a, product.id, "submit").status_code == 303
    assert snapshot(product.id)[:3] == ("registered", "awaiting", "commune")


def test_recognition_input_errors_keep_what_was_typed(make_user, make_product, new_client):
    product = make_product("evaluated", "awaiting", "city", stars=4, score=75,
                           last_actor=make_user(Role.DISTRICT_APPROVER))
    city_scored(product)
    tp = new_client()
    tp.login(make_user(Role.CITY_APPROVER))
    before = snapshot(product.id)
    good = {"decision_no": "12/QĐ-UBND", "signed_on": "15/07/2026", "certificate_no": "HN-1"}
    for field, typed, message in (("signed_on", "31/02/2026", "Nhập ngày theo dạng dd/mm/yyyy"),
                                  ("signed_on", "01/01/2099", "không được ở tương lai"),
                                  ("decision_no", "", "Hãy nhập số quyết định"),
                                  ("certificate_no", "", "Hãy nhập số giấy chứng nhận")):
        r = _action(tp, product.id, "confirm_ranking", **{**good, field: typed})
        assert r.status_code == 422, typed
        body = r.get_data(as_text=True)
        assert message in body
        assert f'value="{typed}"' in body or typed == ""
        assert snapshot(product.id) == before
    db.session.rollback()
    assert db.session.query(Certificate).count() == 0
    db.session.rollback()


def test_a_certificate_number_is_issued_once(make_user, make_product, new_client):
    first = make_product("evaluated", "awaiting", "city", stars=4, score=75, last_actor=make_user(Role.DISTRICT_APPROVER))
    second = make_product("evaluated", "awaiting", "city", stars=3, score=60, last_actor=make_user(Role.DISTRICT_APPROVER))
    city_scored(first)
    city_scored(second)
    tp = new_client()
    tp.login(make_user(Role.CITY_APPROVER))
    data = {"decision_no": "12/QĐ-UBND", "signed_on": "15/07/2026", "certificate_no": "HN-7"}
    assert _action(tp, first.id, "confirm_ranking", **data).status_code == 303
    r = _action(tp, second.id, "confirm_ranking", **data)
    assert r.status_code == 422 and "đã được cấp" in r.get_data(as_text=True)
    assert snapshot(second.id)[:3] == ("evaluated", "awaiting", "city")


def test_edit_only_while_draft_or_returned(make_user, make_product, new_client):
    staff = make_user(Role.COMMUNE_STAFF)
    product = make_product("registered", "awaiting", "commune")
    a = new_client()
    a.login(staff)
    assert a.get(f"/staff/products/{product.id}/edit").status_code == 403
    before = snapshot(product.id)
    r = a.post(f"/staff/products/{product.id}/edit", {"name": "X", "product_set_no": "7", "producer_name": "Y",
                                                      "producer_type": "household", "version": before[5]})
    assert r.status_code == 403
    assert snapshot(product.id) == before


def test_register_form_errors_keep_input(make_user, new_client):
    a = new_client()
    a.login(make_user(Role.COMMUNE_STAFF))
    r = a.post("/staff/products/new", {"name": "Miến dong", "product_set_no": "99", "producer_name": "",
                                       "producer_type": "household"})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert 'value="Miến dong"' in body
    db.session.rollback()
    assert db.session.query(Product).count() == 0
