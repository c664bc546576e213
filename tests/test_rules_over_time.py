"""Rule sets over time: the chain of levels, recognition and sheet parts come from the product's rule set."""

from __future__ import annotations

import re

from conftest import closed_round_with, satisfy_guards, in_own_context
from ocop_app import rules
from ocop_app.extensions import db
from ocop_app.models import Product, StageEvent
from ocop_app.workflow import Level, Role, Stage, Status


def _fresh(product_id) -> Product:
    db.session.rollback()
    return db.session.get(Product, product_id)


def _act(client, product_id, name, **data):
    version = _fresh(product_id).version
    db.session.rollback()
    return client.post(f"/staff/products/{product_id}/actions/{name}", {"version": version, **data})


def test_rules_list_prints_levels_bands_and_sheets(app):
    result = in_own_context(app.test_cli_runner().invoke, args=["rules", "list"])
    assert result.exit_code == 0, result.output
    out = result.output
    for code in ("qd1048-2019", "qd148-2023", "qd1489-2025", "qd26-2026"):
        assert code in out
    assert "levels: commune → district → city" in out and "levels: commune → city" in out
    assert "sheet: qd1048-2019 (A/B/C 35/25/40)" in out and "sheet: qd26-2026 (A/B/C 40/25/35)" in out
    assert "≥90 5★, ≥70 4★, ≥50 3★" in out
    assert "recognition: district 3★, city 4★, central 5★" in out
    assert "review commune 15 working days; rounds before 06-30, 12-30; re-evaluation window 180–120 days" in out


def test_every_rule_set_names_its_sources():
    for rule_set in rules.all_rule_sets():
        for topic in ("recognition", "council", "deadlines"):
            assert rule_set.sources.get(topic), (rule_set.code, topic)
        assert rule_set.council == {"quorum": "3/4", "chair_required": True, "max_spread": 10}
    qd26 = rules.get("qd26-2026")
    assert qd26.review_days("commune") == 15 and qd26.review_days("city") is None
    assert qd26.recognising_level(3) == "city" and rules.get("qd148-2023").recognising_level(3) == "district"
    assert {g["code"] for g in qd26.revocation_grounds} == {
        "false_dossier", "criteria_not_met", "violations", "mark_misuse", "production_stopped"}


def test_ranked_2024_product_keeps_its_qd148_sheet_and_district_recognition(make_user, make_product, client):
    product = make_product(Stage.RANKED, Status.APPROVED, Level.CITY, stars=3, score=62, rule_set_code="qd148-2023")
    client.login(make_user(Role.DISTRICT_STAFF))
    page = client.get(f"/staff/products/{product.id}").get_data(as_text=True)
    assert "Quyết định 148/QĐ-TTg" in page
    assert "Phần A/B/C: 40/25/35 điểm" in page
    assert "Cấp Huyện (3 sao)" in page  # recognised by the district chairperson under QĐ 148/2023
    old = make_product(Stage.RANKED, Status.APPROVED, Level.CITY, stars=4, score=75, rule_set_code="qd1048-2019")
    assert "Phần A/B/C: 35/25/40 điểm" in client.get(f"/staff/products/{old.id}").get_data(as_text=True)


def test_a_2026_dossier_goes_commune_to_city_with_no_district_step(app, make_user, new_client):
    app.config["OCOP_RULE_SET"] = "qd26-2026"
    staff = make_user(Role.COMMUNE_STAFF)
    approver = make_user(Role.COMMUNE_APPROVER)
    district = make_user(Role.DISTRICT_APPROVER)
    city_staff, city_approver = make_user(Role.CITY_STAFF), make_user(Role.CITY_APPROVER)
    city_approver2 = make_user(Role.CITY_APPROVER)
    council = make_user(Role.CITY_COUNCIL)
    clients = {}
    for user in (staff, approver, district, city_staff, city_approver, city_approver2, council):
        clients[user.id] = new_client()
        clients[user.id].login(user)
    r = clients[staff.id].post("/staff/products/new", {
        "name": "Miến dong Tây Phương", "product_set_no": "6", "producer_name": "HTX Miến dong",
        "producer_type": "cooperative", "registration_no": "", "description": ""})
    assert r.status_code == 303
    pid = int(r.headers["Location"].rstrip("/").split("/")[-1])
    assert _fresh(pid).rule_set_code == "qd26-2026"
    assert _act(clients[staff.id], pid, "submit").status_code == 303
    page = clients[approver.id].get(f"/staff/products/{pid}").get_data(as_text=True)
    assert "Phê duyệt và gửi lên thành phố" in page and "gửi lên huyện" not in page
    assert _act(clients[approver.id], pid, "commune_sign_off").status_code == 403  # the three-level step
    assert _act(clients[approver.id], pid, "commune_send_to_city").status_code == 303
    assert _fresh(pid).level == "city"
    assert "Miến dong Tây Phương" not in clients[district.id].get("/staff/queue").get_data(as_text=True)
    assert "Miến dong Tây Phương" in clients[city_approver.id].get("/staff/queue").get_data(as_text=True)
    for client_user, step, extra in (
        (city_approver, "city_accept", {}),
        (city_staff, "city_record_training", {}),
        (city_approver2, "city_confirm_training", {}),
        (city_staff, "city_record_upgrade", {}),
        (city_approver, "city_send_to_evaluation", {}),
    ):
        satisfy_guards(_fresh(pid), step)  # training attended; upgrade plan and dossier complete
        response = _act(clients[client_user.id], pid, step, **extra)
        assert response.status_code == 303, (step, response.get_data(as_text=True)[:300])
    # The city council scores it in a round; its chair carries the result onto the product.
    closed_round_with(_fresh(pid), council, "scored", Level.CITY, score=72.5, stars=4)
    for client_user, step, extra in (
        (council, "city_finalise_evaluation", {}),
        (city_approver, "city_confirm_ranking", {"decision_no": "12/QĐ-UBND", "signed_on": "15/07/2026",
                                                 "certificate_no": "OCOP-HN-2026-0012"}),
    ):
        response = _act(clients[client_user.id], pid, step, **extra)
        assert response.status_code == 303, (step, response.get_data(as_text=True)[:300])
    product = _fresh(pid)
    assert (product.stage, product.status, product.level, product.stars) == ("ranked", "approved", "city", 4)
    levels = {e.to_level for e in db.session.query(StageEvent).filter_by(product_id=pid)}
    assert "district" not in levels
    db.session.rollback()


def test_the_district_recognises_only_the_stars_its_rule_set_gives_it(make_user, make_product):
    import datetime as dt

    import pytest

    from ocop_app import workflow
    from ocop_app.models import Certificate
    from ocop_app.products.operations import advance

    approver = make_user(Role.DISTRICT_APPROVER)
    three = make_product(Stage.EVALUATED, Status.AWAITING, Level.DISTRICT, stars=3, score=62,
                         rule_set_code="qd148-2023")
    four = make_product(Stage.EVALUATED, Status.AWAITING, Level.DISTRICT, stars=4, score=80,
                        rule_set_code="qd148-2023")
    assert "district_confirm_ranking" in {t.name for t in workflow.available_transitions(three, approver)}
    assert "district_confirm_ranking" not in {t.name for t in workflow.available_transitions(four, approver)}
    with pytest.raises(workflow.TransitionDenied):
        advance(four, "district_confirm_ranking", approver)
    advance(three, "district_confirm_ranking", approver, certificate={
        "decision_no": "15/QĐ-UBND", "signed_on": dt.date(2024, 10, 1), "certificate_no": "TT-2024-15"})
    assert (three.stage, three.level) == ("ranked", "district")
    cert = db.session.query(Certificate).filter_by(product_id=three.id).one()
    assert (cert.issued_by, cert.stars, cert.rule_set_code) == ("district", 3, "qd148-2023")
    db.session.rollback()
