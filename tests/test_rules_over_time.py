"""Rule sets over time: the chain of levels, recognition and sheet parts come from the product's rule set."""

from __future__ import annotations

import re

import pytest

from conftest import closed_round_with, satisfy_guards, in_own_context
from ocop_app import clock, rules
from ocop_app.extensions import db
from ocop_app.models import Product, StageEvent
from ocop_app.workflow import Level, Role, Stage, Status


def _fresh(product_id) -> Product:
    db.session.rollback()
    return db.session.get(Product, product_id)


def _queue_row(user, new_client, name):
    """``(client, "Việc của tôi" page, the table row of product ``name``)`` for ``user``, logged in."""
    client = new_client()
    client.login(user)
    page = client.get("/staff/queue").get_data(as_text=True)
    return client, page, page.split(name)[1].split("</tr>")[0]


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
        # signed on the day of the council's result or later (the result is recorded today)
        (city_approver, "city_confirm_ranking", {"decision_no": "12/QĐ-UBND", "certificate_no": "OCOP-HN-2026-0012",
                                                 "signed_on": clock.today().strftime("%d/%m/%Y")}),
    ):
        response = _act(clients[client_user.id], pid, step, **extra)
        assert response.status_code == 303, (step, response.get_data(as_text=True)[:300])
    product = _fresh(pid)
    assert (product.stage, product.status, product.level, product.stars) == ("ranked", "approved", "city", 4)
    levels = {e.to_level for e in db.session.query(StageEvent).filter_by(product_id=pid)}
    assert "district" not in levels
    db.session.rollback()


def test_a_commune_chooses_the_decision_in_force_for_a_new_dossier(app, make_user, client):
    """The deployment keeps QĐ 148/2023 (three levels) for new dossiers; on a day when QĐ 26/2026 is
    in force the registration form offers it too, and a dossier registered under it has no district step."""
    app.config["OCOP_TODAY"] = "2026-12-05"
    client.login(make_user(Role.COMMUNE_STAFF))
    form = client.get("/staff/products/new").get_data(as_text=True)
    assert re.search(r'<option selected value="qd148-2023">Quyết định 148/QĐ-TTg — Xã → Huyện → Thành phố',
                     form, re.I), form[form.find("rule_set_code"):][:600]
    assert 'value="qd26-2026">Quyết định 26/2026/QĐ-TTg — Xã → Thành phố' in form
    typed = {"name": "Chè búp Yên Xuân", "product_set_no": "9", "producer_name": "HTX Chè Yên Xuân",
             "producer_type": "cooperative", "registration_no": "", "description": ""}
    refused = client.post("/staff/products/new", {**typed, "rule_set_code": "qd999"})
    assert refused.status_code == 422 and "Chè búp Yên Xuân" in refused.get_data(as_text=True)
    r = client.post("/staff/products/new", {**typed, "rule_set_code": "qd26-2026"})
    assert r.status_code == 303
    product = _fresh(int(r.headers["Location"].rstrip("/").split("/")[-1]))
    assert product.rule_set_code == "qd26-2026" and "district" not in product.rule_set.levels
    edit = client.get(f"/staff/products/{product.id}/edit").get_data(as_text=True)
    assert "rule_set_code" not in edit  # chosen once, at registration
    db.session.rollback()


@pytest.mark.parametrize("rule_set_code, stars, score, open_step, closed_step, issued_by", [
    # QĐ 148/2023: the district chairperson recognises ★3; ★4 and up go to the city.
    ("qd148-2023", 3, 62, "district_confirm_ranking", "propose_to_city", "district"),
    ("qd148-2023", 4, 75, "propose_to_city", "district_confirm_ranking", None),
    # QĐ 1048/2019: the district recognises nothing; ★3 goes to the city.
    ("qd1048-2019", 3, 62, "propose_to_city", "district_confirm_ranking", None),
])
def test_the_district_recognises_only_what_its_rule_set_gives_it(
        rule_set_code, stars, score, open_step, closed_step, issued_by, make_user, make_product, new_client):
    council = make_user(Role.DISTRICT_STAFF)
    product = make_product(Stage.EVALUATED, Status.AWAITING, Level.DISTRICT, stars=stars, score=score,
                           rule_set_code=rule_set_code, last_actor=council)
    approver = new_client()
    approver.login(make_user(Role.DISTRICT_APPROVER))
    page = approver.get(f"/staff/products/{product.id}").get_data(as_text=True)
    assert "Xác nhận xếp hạng sao (cấp huyện công nhận)" in page  # offered, or shown disabled with why
    assert f'why-{closed_step}"' in page and f'why-{open_step}"' not in page  # only the open one enabled
    refused = _act(approver, product.id, closed_step, decision_no="9/QĐ-UBND", signed_on="20/10/2024",
                   certificate_no="OCOP-TT-2024-0009")
    assert refused.status_code == 403 and _fresh(product.id).stage == "evaluated"
    r = _act(approver, product.id, open_step, decision_no="9/QĐ-UBND", signed_on="20/10/2024",
             certificate_no="OCOP-TT-2024-0009")
    assert r.status_code == 303, r.get_data(as_text=True)[:400]
    done = _fresh(product.id)
    if issued_by:
        assert (done.stage, done.level, done.certificate.issued_by) == ("ranked", "district", "district")
        assert done.certificate.valid_until.isoformat() == "2027-10-20"
        public = new_client().get(f"/p/{done.id}").get_data(as_text=True)
        assert done.name in public and "OCOP-TT-2024-0009" in public
        from ocop_app.plans import metrics  # a plan counts it as recognised by the district, not the city

        def counted(level):
            return db.session.query(Product.id).filter(Product.id == done.id, metrics.ranked_at(level)).count()

        assert (counted("district"), counted("city")) == (1, 0)
    else:
        assert (done.stage, done.status, done.level) == ("evaluated", "awaiting", "city")
    db.session.rollback()


def test_a_product_the_city_council_has_scored_is_not_offered_to_another_city_round(app, make_user, make_product,
                                                                                     new_client):
    """Tester report (session 5): under the two-level chain a product the city council had scored (waiting
    for the approver) was offered to a second city round, which then could never be closed (403 for a
    step not open in that state), holding its other products with it."""
    from evaluation_support import add_member, add_product, choose_for_total, close_round, council, criteria_for, \
        make_round, submit

    scored = make_product(Stage.UPGRADED, Status.APPROVED, Level.CITY, name="Chè kho Đại Đồng",
                          rule_set_code="qd26-2026")
    other = make_product(Stage.UPGRADED, Status.APPROVED, Level.CITY, name="Miến dong Cần Kiệm",
                         rule_set_code="qd26-2026")
    org, people = council(make_user, new_client, n_members=2, unit="hanoi", role=Role.CITY_COUNCIL)
    first = make_round(org, name="Đợt 1/2026", rule_set="qd26-2026")
    add_member(org, first, people[0][0], "chair")
    for user, _c in people[1:]:
        add_member(org, first, user, "member")
    entry = add_product(org, first, scored)
    choices = choose_for_total(criteria_for(entry), 72)
    for _user, c in people:
        assert submit(c, first, entry, choices).status_code in (200, 303)
    assert close_round(people[0][1], first).status_code == 303
    db.session.rollback()
    assert (db.session.get(Product, scored.id).stage, db.session.get(Product, scored.id).status) == \
        ("evaluated", "awaiting")
    db.session.rollback()

    second = make_round(org, name="Đợt 2/2026", rule_set="qd26-2026")
    page = org.get(f"/staff/evaluation/rounds/{second}").get_data(as_text=True)
    assert "Miến dong Cần Kiệm" in page and "Chè kho Đại Đồng" not in page
    r = org.post(f"/staff/evaluation/rounds/{second}/products", {"product_id": str(scored.id)})
    assert r.status_code == 422
    add_product(org, second, other)


def test_a_round_cannot_start_before_its_decision_nor_end_years_ahead(app, make_user, new_client):
    """Tester report (session 5): a round under QĐ 26/2026 dated January 2026 (before the decision came
    into force on 22/05/2026) was accepted, and so were the years 0001 and 9999."""
    org = new_client()
    org.login(make_user(Role.CITY_STAFF, "hanoi"))
    form = {"name": "Đợt đánh giá đầu năm 2026", "starts_on": "01/01/2026", "ends_on": "15/01/2026",
            "rule_set_code": "qd26-2026"}
    r = org.post("/staff/evaluation/rounds/new", form)
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "có hiệu lực từ ngày 22/05/2026" in page and 'value="01/01/2026"' in page
    r = org.post("/staff/evaluation/rounds/new", {**form, "starts_on": "01/06/2026", "ends_on": "31/12/9999"})
    assert r.status_code == 422 and "hai năm" in r.get_data(as_text=True)
    assert org.post("/staff/evaluation/rounds/new", {**form, "starts_on": "01/06/2026",
                                                     "ends_on": "30/06/2026"}).status_code == 303


def test_under_commune_to_city_the_citys_officer_keeps_the_upgrade_plan(app, make_user, make_product, new_client):
    """Tester report (session 5): only district officers could write an upgrade plan, so after the merger
    (no district) a product recorded as upgraded could never be sent to evaluation ("no upgrade
    content recorded"). Under commune → city the city's officer records the upgrade and keeps the plan."""
    two_level = make_product(Stage.UPGRADED, Status.AWAITING, Level.CITY, name="Tương nếp Bình Phú",
                             rule_set_code="qd26-2026")
    three_level = make_product(Stage.UPGRADED, Status.AWAITING, Level.DISTRICT, name="Chè lam Thạch Xá")
    action = {"kind": "label_design", "description": "Nhãn mới", "status": "done", "cost": "1.500.000",
              "funding": "state", "starts_on": "01/02/2026", "ends_on": "01/03/2026"}
    city, district = new_client(), new_client()
    city.login(make_user(Role.CITY_STAFF, "hanoi"))
    district.login(make_user(Role.DISTRICT_STAFF))

    page = city.get(f"/staff/dossier/products/{two_level.id}/plan").get_data(as_text=True)
    assert 'name="description"' in page  # the form is offered
    assert city.post(f"/staff/dossier/products/{two_level.id}/plan", action).status_code == 303
    assert city.post(f"/staff/dossier/products/{two_level.id}/planned-date",
                     {"planned_evaluation_on": "15/09/2026"}).status_code in (200, 303)
    r = district.post(f"/staff/dossier/products/{two_level.id}/plan", action)
    assert r.status_code == 403 and "Cán bộ thành phố" in r.get_data(as_text=True)
    # the three-level chain keeps its district officer; the city's does not write that plan
    assert district.post(f"/staff/dossier/products/{three_level.id}/plan", action).status_code == 303
    assert city.post(f"/staff/dossier/products/{three_level.id}/plan", action).status_code == 403


def test_the_queue_lists_a_step_held_back_by_work_the_officer_must_do_first(app, make_user, make_product, new_client):
    """Tester report (session 5): a product waiting for its training to be recorded was missing from the
    officer's "Việc của tôi" while the producer had no attendance, although the product page said it was
    waiting for that officer; the officer had no way to find it."""
    product = make_product(Stage.REGISTERED, Status.APPROVED, Level.CITY, name="Tương nếp Bình Phú",
                           rule_set_code="qd26-2026")
    officer, _page, row = _queue_row(make_user(Role.CITY_STAFF, "hanoi"), new_client, "Tương nếp Bình Phú")
    assert "Ghi nhận tập huấn" in row and "cần làm trước:" in row
    count = officer.get("/staff/queue/count").get_data(as_text=True)
    assert re.search(r"\b1\b", count), count
    # and the step itself is still refused until the attendance is recorded
    r = officer.post(f"/staff/products/{product.id}/actions/city_record_training",
                     {"version": str(db.session.get(Product, product.id).version)})
    assert r.status_code == 403


def test_the_registration_form_says_when_its_preselected_decision_is_not_the_one_in_force(app, make_user, new_client):
    """Tester report (session 5): in December 2026 the form preselected QĐ 148/2023 (Thạch Thất's three
    levels, the deployment's choice) without a word that QĐ 26/2026 is the decision in force."""
    c = new_client()
    c.login(make_user(Role.COMMUNE_STAFF))
    app.config["OCOP_TODAY"] = __import__("datetime").date(2026, 12, 5)
    page = c.get("/staff/products/new").get_data(as_text=True)
    assert "Chọn sẵn: bộ quy định mà đơn vị triển khai đã chọn (Quyết định 148/QĐ-TTg)" in page
    assert "Quyết định đang có hiệu lực hôm nay là Quyết định 26/2026/QĐ-TTg" in page
    app.config["OCOP_RULE_SET"] = "qd26-2026"  # a deployment that follows the decision in force: no note
    assert "Chọn sẵn:" not in c.get("/staff/products/new").get_data(as_text=True)


def test_a_guards_message_ends_with_one_full_stop(app, make_user, make_product, new_client):
    """Tester report (session 5): "Chưa có nội dung nâng cấp nào được ghi nhận.." ended with two full stops."""
    product = make_product(Stage.UPGRADED, Status.AWAITING, Level.CITY, rule_set_code="qd26-2026")
    c = new_client()
    c.login(make_user(Role.CITY_APPROVER, "hanoi"))
    page = c.get(f"/staff/products/{product.id}").get_data(as_text=True)
    assert "được ghi nhận." in page and ".." not in re.sub(r"\.\.+/|\.\.\.|…", "", page.split("<main")[1])


def _city_scored_two_level(make_user, make_product, *, score, stars):
    """A commune → city product the city council has scored (result recorded today), and the approver's client."""
    council = make_user(Role.CITY_COUNCIL)
    product = make_product(Stage.UPGRADED, Status.APPROVED, Level.CITY, rule_set_code="qd26-2026",
                           name="Miến dong Tây Phương")
    closed_round_with(product, council, "scored", Level.CITY, score=score, stars=stars)
    return product, council


def test_the_city_recognises_a_potential_five_star_as_four_and_proposes_it_to_the_central_level(
        app, make_user, make_product, new_client):
    """Tester report (session 5): the city approver recognised ★5 and issued a five-star certificate, although
    under QĐ 26/2026 (as QĐ 148/2023) the city recognises ★3–★4 and the central level ★5."""
    product, council = _city_scored_two_level(make_user, make_product, score=95, stars=5)
    chair, approver = new_client(), new_client()
    chair.login(council)
    approver.login(make_user(Role.CITY_APPROVER, "hanoi"))
    assert _act(chair, product.id, "city_finalise_evaluation").status_code == 303
    today = clock.today().strftime("%d/%m/%Y")
    r = _act(approver, product.id, "city_confirm_ranking", decision_no="15/QĐ-UBND", signed_on=today,
             certificate_no="OCOP-HN-2026-0015")
    assert r.status_code == 303, r.get_data(as_text=True)[:400]
    ranked = _fresh(product.id)
    assert (ranked.stage, ranked.stars, ranked.proposed_central, ranked.certificate.stars) == ("ranked", 4, True, 4)
    assert "council 5 stars, recognised here 4 stars" in ranked.events[-1].detail
    db.session.rollback()


def test_a_recognition_is_not_signed_before_the_city_councils_result_under_commune_to_city(
        app, make_user, make_product, new_client):
    """Tester report (session 5): under commune → city a signing date of 01/01/2020 was accepted, so the
    certificate was issued already expired; the council-result check covered only the three-level steps."""
    product, council = _city_scored_two_level(make_user, make_product, score=72, stars=4)
    chair, approver = new_client(), new_client()
    chair.login(council)
    approver.login(make_user(Role.CITY_APPROVER, "hanoi"))
    assert _act(chair, product.id, "city_finalise_evaluation").status_code == 303
    r = _act(approver, product.id, "city_confirm_ranking", decision_no="16/QĐ-UBND", signed_on="01/01/2020",
             certificate_no="OCOP-HN-2026-0016")
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "trước khi có kết quả của hội đồng" in page and "OCOP-HN-2026-0016" in page
    assert _fresh(product.id).stage == "evaluated"
    db.session.rollback()


def test_the_approvers_queue_names_a_sign_off_held_back_by_the_plan_and_dossier(app, make_user, make_product,
                                                                                new_client):
    """Tester report (session 5): with the plan unfinished and dossier files missing, the city approver's
    queue showed the product only under "return" and "reject", as if returning it were the job."""
    make_product(Stage.UPGRADED, Status.AWAITING, Level.CITY, name="Tương nếp Tây Phương",
                 rule_set_code="qd26-2026")
    _approver, page, row = _queue_row(make_user(Role.CITY_APPROVER, "hanoi"), new_client, "Tương nếp Tây Phương")
    assert "Xác nhận nâng cấp và chuyển đánh giá — cần làm trước:" in row and "Phương án nâng cấp" in row
    summary = re.search(r'<ul class="counts"[^>]*>(.*?)</ul>', page, re.S).group(1)
    assert "Xác nhận nâng cấp và chuyển đánh giá" in summary and "Trả lại" not in summary
