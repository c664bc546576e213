"""Evaluation rounds as a council lives them: scoring, quorum, spread, minimums, recusal, closing."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from openpyxl import load_workbook

from conftest import at_once, snapshot
from evaluation_support import (add_member, add_product, choose_for_total, close_round, criteria_for, make_round, round_status,
                                setup_round, sheet_of, sheet_url, submit)
from ocop_app.clock import today as clock_today
from ocop_app.evaluation import scoring
from ocop_app.extensions import db
from ocop_app.models import Product, SheetEvent, StageEvent
from ocop_app.workflow import Level, Role, Stage, Status

WAITING = (Stage.UPGRADED, Status.APPROVED, Level.DISTRICT)


def _fresh(product_id) -> Product:
    db.session.rollback()
    return db.session.get(Product, product_id)


_close = close_round


def _score_all(round_id, entry_id, people, totals, **kw):
    criteria = criteria_for(entry_id)
    for (user, c), total in zip(people, totals):
        r = submit(c, round_id, entry_id, choose_for_total(criteria, total, **kw))
        assert r.status_code == 303, r.get_data(as_text=True)[:800]
    return criteria


def test_a_three_star_result_under_qd148_is_recognised_by_the_district_not_proposed(
        make_user, make_product, new_client):
    """Tester report: the ★3 record said "proposed to the next level" after the district recognised
    it, the "not recognised" step's hint asked to propose it to the city, and the recognition could
    be signed before the council's result."""
    product = make_product(*WAITING, name="Miến dong Thạch Xá")
    round_id, (entry_id,), org, people = setup_round(make_user, new_client, [product])
    _score_all(round_id, entry_id, people, (62, 63, 61))
    assert _close(people[0][1], round_id).status_code == 303
    duyet = new_client()
    duyet.login(make_user(Role.DISTRICT_APPROVER))
    page = duyet.get(f"/staff/products/{product.id}").get_data(as_text=True)
    assert page.count("Cấp này tự công nhận hạng 3 sao: hãy xác nhận xếp hạng tại đây.") == 2  # both other steps
    assert "cần đề xuất lên thành phố" not in page
    yesterday = (clock_today() - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    data = {"version": _fresh(product.id).version, "decision_no": "12/QĐ-UBND", "certificate_no": "OCOP-TT-0012"}
    r = duyet.post(f"/staff/products/{product.id}/actions/district_confirm_ranking", data | {"signed_on": yesterday})
    assert r.status_code == 422 and "trước khi có kết quả" in r.get_data(as_text=True)
    r = duyet.post(f"/staff/products/{product.id}/actions/district_confirm_ranking",
                   data | {"signed_on": clock_today().strftime("%d/%m/%Y")})
    assert r.status_code == 303
    record = duyet.get(f"/staff/evaluation/rounds/{round_id}/products/{entry_id}").get_data(as_text=True)
    assert "Đã đề nghị lên cấp trên" not in record and "OCOP-TT-0012" in record


@pytest.mark.parametrize("posted", [{}, {"version": "abc"}, {"version": ""}])
def test_closing_from_a_page_without_the_rounds_version_is_refused_asking_to_reload(
        make_user, make_product, new_client, posted):
    """Tester report: a close without ``version`` was accepted, and an altered one gave a bare 422."""
    product = make_product(*WAITING, name="Chè lam Thạch Xá")
    round_id, (entry_id,), org, people = setup_round(make_user, new_client, [product])
    chair = people[0][1]
    _score_all(round_id, entry_id, people, (72, 75, 68))
    r = chair.post(f"/staff/evaluation/rounds/{round_id}/close", posted)
    assert r.status_code == 409
    assert "tải lại" in r.get_data(as_text=True)
    assert round_status(round_id) == "open"
    assert _close(chair, round_id).status_code == 303  # the reloaded page closes it


# --------------------------------------------------------------------------
# The arithmetic
# --------------------------------------------------------------------------


@pytest.mark.parametrize("eligible,needed", [(4, 3), (3, 3), (2, 2), (5, 4), (8, 6), (1, 1)])
def test_quorum_is_three_quarters_rounded_up(eligible, needed):
    assert scoring.quorum_needed(eligible, 3, 4) == needed


def test_mean_to_two_decimals_and_stars_by_band():
    spec = scoring.CriterionSpec(1, "1.1", "x", "A", {i: (Decimal(i), None) for i in range(101)})
    result = scoring.compute([spec], [{1: 72}, {1: 75}, {1: 68}], eligible=3, chair_submitted_or_absent=True,
                             quorum=(3, 4), max_spread=Decimal(10), stars_for=lambda s: 4 if s >= 70 else 3)
    assert (result.score, result.stars, result.spread, result.flagged, result.quorum_met) == (
        Decimal("71.67"), 4, Decimal(7), False, True)


# --------------------------------------------------------------------------
# Done when: 72, 75, 68 → 71,67 and ★4 (or ★3 naming the missed **** criterion)
# --------------------------------------------------------------------------


def test_three_sheets_give_the_mean_and_four_stars_and_move_the_product_on(make_user, make_product, new_client):
    product = make_product(*WAITING, name="Chè lam Thạch Xá")
    round_id, (entry_id,), org, people = setup_round(make_user, new_client, [product])
    chair = people[0][1]
    _score_all(round_id, entry_id, people, (72, 75, 68))
    page = chair.get(f"/staff/evaluation/rounds/{round_id}/products/{entry_id}").get_data(as_text=True)
    assert "71,67" in page and "4 sao" in page
    assert _close(chair, round_id).status_code == 303
    p = _fresh(product.id)
    assert (p.stage, p.status, p.level, p.score, p.stars) == ("evaluated", "awaiting", "district",
                                                              Decimal("71.67"), 4)
    events = db.session.query(StageEvent).filter_by(product_id=product.id).order_by(StageEvent.id).all()
    assert events[-1].action == "finalise_evaluation" and "score=71.67" in events[-1].detail
    assert round_status(round_id) == "closed"
    # The district approver can now propose it to the city (★3+).
    duyet = new_client()
    duyet.login(make_user(Role.DISTRICT_APPROVER))
    r = duyet.post(f"/staff/products/{product.id}/actions/propose_to_city", {"version": _fresh(product.id).version})
    assert r.status_code == 303


def test_a_missed_four_star_minimum_gives_three_stars_and_names_the_criterion(make_user, make_product, new_client):
    product = make_product(*WAITING)
    round_id, (entry_id,), org, people = setup_round(make_user, new_client, [product])
    criteria = criteria_for(entry_id)
    held = next(c for c in criteria if any(o.min_stars == 4 for o in c.options))
    required = max(o.points for o in held.options if o.min_stars == 4)
    _score_all(round_id, entry_id, people, (72, 75, 68), below={held.id: required})
    page = people[1][1].get(f"/staff/evaluation/rounds/{round_id}/products/{entry_id}").get_data(as_text=True)
    assert "71,67" in page and "3 sao" in page
    assert held.title in page and "★★★★ — tiêu chí " + held.code in page
    assert _close(people[0][1], round_id).status_code == 303
    p = _fresh(product.id)
    assert (p.score, p.stars) == (Decimal("71.67"), 3)


# --------------------------------------------------------------------------
# Done when: 60 and 75 are flagged and cannot be finalised until re-scored
# --------------------------------------------------------------------------


def test_totals_too_far_apart_are_flagged_and_block_closing_until_rescored(make_user, make_product, new_client):
    product = make_product(*WAITING)
    round_id, (entry_id,), org, people = setup_round(make_user, new_client, [product], n_members=1)
    (chair_user, chair), (member, mc) = people
    criteria = _score_all(round_id, entry_id, people, (60, 75))
    page = chair.get(f"/staff/evaluation/rounds/{round_id}/products/{entry_id}").get_data(as_text=True)
    assert "chênh nhau 15" in page
    before = snapshot(product.id)
    r = _close(chair, round_id)
    assert r.status_code == 422 and "Sản phẩm thử" in r.get_data(as_text=True)
    assert snapshot(product.id) == before and round_status(round_id) == "open"
    # The chair reopens the low sheet with a reason; it is logged; the member re-scores.
    sheet = sheet_of(round_id, entry_id, chair_user)
    r = chair.post(f"/staff/evaluation/rounds/{round_id}/sheets/{sheet.id}/reopen", {"reason": ""})
    assert r.status_code == 422
    assert mc.post(f"/staff/evaluation/rounds/{round_id}/sheets/{sheet.id}/reopen",
                   {"reason": "x"}).status_code == 403  # only the chair
    r = chair.post(f"/staff/evaluation/rounds/{round_id}/sheets/{sheet.id}/reopen",
                   {"reason": "Hội đồng thảo luận, chấm lại tiêu chí 2"})
    assert r.status_code == 303
    db.session.rollback()
    logged = db.session.query(SheetEvent).filter_by(sheet_id=sheet.id, action="reopen").one()
    assert logged.reason == "Hội đồng thảo luận, chấm lại tiêu chí 2" and logged.actor_id == chair_user.id
    db.session.rollback()
    assert submit(chair, round_id, entry_id, choose_for_total(criteria, 70)).status_code == 303
    assert _close(chair, round_id).status_code == 303
    assert (_fresh(product.id).score, _fresh(product.id).stars) == (Decimal("72.50"), 4)


def test_the_spread_limit_comes_from_the_rule_set(app, make_user, make_product, new_client, monkeypatch):
    from ocop_app import rules

    import dataclasses

    loose = dataclasses.replace(rules.get("qd148-2023"), max_spread=Decimal(20))
    monkeypatch.setitem(rules._load()[1], "qd148-2023", loose)
    product = make_product(*WAITING)
    round_id, (entry_id,), org, people = setup_round(make_user, new_client, [product], n_members=1)
    _score_all(round_id, entry_id, people, (60, 75))
    assert _close(people[0][1], round_id).status_code == 303  # 15 ≤ 20: not flagged
    assert _fresh(product.id).score == Decimal("67.50")


# --------------------------------------------------------------------------
# Done when: nobody reads another's sheet before submitting; recusal and quorum
# --------------------------------------------------------------------------


def test_a_member_cannot_read_other_sheets_before_submitting_their_own(make_user, make_product, new_client):
    product = make_product(*WAITING)
    round_id, (entry_id,), org, people = setup_round(make_user, new_client, [product])
    (chair_user, chair), (m1, c1), (m2, c2) = people
    criteria = criteria_for(entry_id)
    assert submit(c1, round_id, entry_id, choose_for_total(criteria, 81)).status_code == 303
    first = sheet_of(round_id, entry_id, m1)
    url = f"/staff/evaluation/rounds/{round_id}/sheets/{first.id}"
    for c in (c2, chair, org):  # not yet submitted (or not scoring at all)
        assert c.get(url).status_code == 403
        page = c.get(f"/staff/evaluation/rounds/{round_id}/products/{entry_id}").get_data(as_text=True)
        assert "81" not in page
    assert c1.get(url).status_code == 200  # their own
    assert submit(c2, round_id, entry_id, choose_for_total(criteria, 77)).status_code == 303
    assert c2.get(url).status_code == 200
    assert "81" in c2.get(f"/staff/evaluation/rounds/{round_id}/products/{entry_id}").get_data(as_text=True)
    # A member of another district's council cannot even see the round.
    db.session.rollback()
    outsider = new_client()
    outsider.login(make_user(Role.DISTRICT_COUNCIL, "quoc_oai"))
    assert outsider.get(url).status_code == 404
    assert outsider.get(f"/staff/evaluation/rounds/{round_id}").status_code == 404


def test_a_recused_member_is_excluded_and_the_quorum_recomputed(make_user, make_product, new_client):
    product = make_product(*WAITING)
    round_id, (entry_id,), org, people = setup_round(make_user, new_client, [product], n_members=3)
    (chair_user, chair), (m1, c1), (m2, c2), (m3, c3) = people
    criteria = criteria_for(entry_id)
    # m3 saves a draft of 40 points, then declares a conflict of interest.
    assert submit(c3, round_id, entry_id, choose_for_total(criteria, 40, floor_stars=None),
                  action="save").status_code == 303
    r = c3.post(f"/staff/evaluation/rounds/{round_id}/products/{entry_id}/recuse", {"reason": ""})
    assert r.status_code == 422
    r = c3.post(f"/staff/evaluation/rounds/{round_id}/products/{entry_id}/recuse",
                {"reason": "Chủ thể là người thân của tôi"})
    assert r.status_code == 303
    assert submit(c3, round_id, entry_id, choose_for_total(criteria, 40, floor_stars=None)).status_code == 409
    for c, total in ((chair, 80), (c1, 84)):
        assert submit(c, round_id, entry_id, choose_for_total(criteria, total)).status_code == 303
    page = chair.get(f"/staff/evaluation/rounds/{round_id}/products/{entry_id}").get_data(as_text=True)
    assert "Đã nộp 2/3 phiếu" in page and "cần 3" in page
    assert _close(chair, round_id).status_code == 422  # 3/4 of 3 eligible members = 3 sheets
    assert submit(c2, round_id, entry_id, choose_for_total(criteria, 82)).status_code == 303
    assert _close(chair, round_id).status_code == 303
    assert _fresh(product.id).score == Decimal("82.00")  # (80 + 84 + 82) / 3; the 40 does not count


def test_the_chair_must_be_in_the_quorum(make_user, make_product, new_client):
    product = make_product(*WAITING)
    round_id, (entry_id,), org, people = setup_round(make_user, new_client, [product], n_members=3)
    criteria = criteria_for(entry_id)
    for user, c in people[1:]:
        assert submit(c, round_id, entry_id, choose_for_total(criteria, 75)).status_code == 303
    assert _close(people[0][1], round_id).status_code == 422  # 3 of 4, but not the chair


# --------------------------------------------------------------------------
# Disqualification, roles
# --------------------------------------------------------------------------


def test_disqualification_ends_the_evaluation_with_the_reason(make_user, make_product, new_client):
    kept, out = make_product(*WAITING, name="Giữ lại"), make_product(*WAITING, name="Bị loại")
    round_id, (e1, e2), org, people = setup_round(make_user, new_client, [kept, out])
    chair = people[0][1]
    url = f"/staff/evaluation/rounds/{round_id}/products/{e2}/disqualify"
    assert people[1][1].post(url, {"reason": "forged_dossier"}).status_code == 403  # members do not
    assert chair.post(url, {"reason": "not-a-reason"}).status_code == 422
    r = chair.post(url, {"reason": "unknown_origin", "note": "Nguyên liệu nhập khẩu toàn bộ"})
    assert r.status_code == 303
    _score_all(round_id, e1, people, (55, 58, 60))
    assert _close(chair, round_id).status_code == 303
    p = _fresh(out.id)
    assert (p.stage, p.status, p.score, p.stars) == ("evaluated", "rejected", None, None)
    event = db.session.query(StageEvent).filter_by(product_id=out.id).order_by(StageEvent.id.desc()).first()
    assert event.action == "council_disqualify" and "Nguyên liệu nhập khẩu toàn bộ" in event.reason
    assert (_fresh(kept.id).stars, _fresh(kept.id).score) == (3, Decimal("57.67"))


def test_only_council_members_of_the_unit_and_only_eligible_products(make_user, make_product, new_client):
    other_district, staff = make_user(Role.DISTRICT_COUNCIL, "quoc_oai"), make_user(Role.DISTRICT_STAFF, "thach_that")
    early = make_product(Stage.TRAINED, Status.AWAITING, Level.DISTRICT)
    member_user = make_user(Role.DISTRICT_COUNCIL, "thach_that")
    org = new_client()
    org.login(make_user(Role.DISTRICT_STAFF, "thach_that"))
    round_id = make_round(org)
    r = org.post(f"/staff/evaluation/rounds/{round_id}/members", {"user_id": str(other_district.id), "role": "member"})
    assert r.status_code == 422
    r = org.post(f"/staff/evaluation/rounds/{round_id}/members", {"user_id": str(staff.id), "role": "member"})
    assert r.status_code == 422  # staff can be advisers, not scorers
    assert org.post(f"/staff/evaluation/rounds/{round_id}/products", {"product_id": str(early.id)}).status_code == 422
    member = new_client()
    member.login(member_user)
    assert member.post("/staff/evaluation/rounds/new", {"name": "x"}).status_code == 403


def test_the_advisory_team_prepares_but_does_not_score(make_user, make_product, new_client):
    product = make_product(*WAITING)
    round_id, (entry_id,), org, people = setup_round(make_user, new_client, [product])
    adviser = make_user(Role.DISTRICT_STAFF, "thach_that")
    add_member(org, round_id, adviser, "advisor")
    a = new_client()
    a.login(adviser)
    assert a.get(sheet_url(round_id, entry_id)).status_code == 403
    page = a.get(f"/staff/evaluation/rounds/{round_id}").get_data(as_text=True)
    assert "Tổ giúp việc" in page and page.count("Chưa nộp") == 3  # the 3 scorers' sheets are missing


# --------------------------------------------------------------------------
# Done when: totals update as you choose (htmx), and the same without JavaScript
# --------------------------------------------------------------------------


def test_autosave_with_htmx_returns_the_totals_and_without_js_the_page_shows_them(make_user, make_product,
                                                                                  new_client):
    product = make_product(*WAITING)
    round_id, (entry_id,), org, people = setup_round(make_user, new_client, [product])
    member, c = people[1]
    criteria = criteria_for(entry_id)
    choices = choose_for_total(criteria, 63, floor_stars=None)
    part_a = sum(o.points for cr in criteria for o in cr.options
                 if choices.get(cr.id) == o.id and cr.group.part.code == "A")
    r = submit(c, round_id, entry_id, choices, action="save", htmx=True)
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and body.lstrip().startswith('<div id="sheet-totals"')
    assert '<output id="grand-total">63</output>' in body
    assert f'<output id="part-A">{format_decimal(part_a, "#,##0.##", locale="vi")}</output>' in body
    assert sheet_of(round_id, entry_id, member).status == "draft"
    # Without JavaScript: the form posts, redirects, and the page shows the same totals.
    r = submit(c, round_id, entry_id, choices, action="save")
    assert r.status_code == 303
    page = c.get(sheet_url(round_id, entry_id)).get_data(as_text=True)
    assert '<output id="grand-total">63</output>' in page and "checked" in page
    # Submitting with criteria missing keeps what was chosen and says which are open.
    partial = dict(list(choices.items())[:5])
    fresh = people[2][1]
    r = submit(fresh, round_id, entry_id, partial)
    assert r.status_code == 422 and criteria[-1].code in r.get_data(as_text=True)
    assert len(sheet_of(round_id, entry_id, people[2][0]).choices) == 5
    # An option of another criterion is refused, nothing saved.
    wrong = {criteria[0].id: criteria[1].options[0].id}
    assert submit(c, round_id, entry_id, wrong, action="save").status_code == 422


# --------------------------------------------------------------------------
# Done when: two members at once, or one member from two tabs: nothing lost, counted once
# --------------------------------------------------------------------------


def _raw_submit(c, round_id, entry_id, choices):
    data = {f"c{k}": str(v) for k, v in choices.items()}
    data.update(action="submit", comment="", csrf_token=c.token())
    return lambda: c.raw.post(sheet_url(round_id, entry_id), data=data).status_code


def test_two_members_submitting_at_the_same_moment_both_count(make_user, make_product, new_client):
    product = make_product(*WAITING)
    round_id, (entry_id,), org, people = setup_round(make_user, new_client, [product])
    criteria = criteria_for(entry_id)
    assert submit(people[0][1], round_id, entry_id, choose_for_total(criteria, 70)).status_code == 303
    calls = [_raw_submit(c, round_id, entry_id, choose_for_total(criteria, t))
             for (u, c), t in zip(people[1:], (74, 78))]
    assert at_once(calls) == [303, 303]
    assert [sheet_of(round_id, entry_id, u).total for u, c in people] == [70, 74, 78]
    assert _close(people[0][1], round_id).status_code == 303
    assert _fresh(product.id).score == Decimal("74.00")


def test_one_member_submitting_from_two_tabs_counts_once(make_user, make_product, new_client):
    product = make_product(*WAITING)
    round_id, (entry_id,), org, people = setup_round(make_user, new_client, [product])
    member, c = people[1]
    criteria = criteria_for(entry_id)
    c.token()
    tab2 = new_client()
    tab2.raw = c.raw.__class__(c.app, use_cookies=True)
    tab2.raw._cookies = c.raw._cookies  # same browser session, another tab
    tab2._token = c.token()
    codes = at_once([_raw_submit(c, round_id, entry_id, choose_for_total(criteria, 71)),
                   _raw_submit(tab2, round_id, entry_id, choose_for_total(criteria, 73))])
    assert sorted(codes) == [303, 409], codes
    sheet = sheet_of(round_id, entry_id, member)
    assert sheet.status == "submitted" and sheet.total in (71, 73)
    chosen = {ch.criterion_id: ch.option_id for ch in sheet.choices}
    assert chosen in (choose_for_total(criteria, 71), choose_for_total(criteria, 73))  # one tab's, whole
    db.session.rollback()
    assert db.session.query(SheetEvent).filter_by(sheet_id=sheet.id, action="submit").count() == 1


# --------------------------------------------------------------------------
# Done when: minutes print, the XLSX has one row per member × criterion; progress
# --------------------------------------------------------------------------


def test_progress_minutes_and_xlsx(make_user, make_product, new_client):
    a, b = make_product(*WAITING, name="Bánh gai"), make_product(*WAITING, name="Mỳ gạo", product_set_no=6)
    round_id, (ea, eb), org, people = setup_round(make_user, new_client, [a, b])
    (chair_user, chair) = people[0]
    _score_all(round_id, ea, people, (72, 75, 68))
    criteria_b = criteria_for(eb)
    assert submit(people[1][1], round_id, eb, choose_for_total(criteria_b, 50)).status_code == 303
    # Progress: per product and member, what is missing.
    page = org.get(f"/staff/evaluation/rounds/{round_id}").get_data(as_text=True)
    assert page.count("Chưa nộp") == 2 and page.count("Đã nộp") == 4
    assert chair.get(f"/staff/evaluation/rounds/{round_id}/minutes").status_code == 403  # not before closing
    for (u, c), t in zip((people[0], people[2]), (52, 55)):
        assert submit(c, round_id, eb, choose_for_total(criteria_b, t)).status_code == 303
    assert _close(chair, round_id).status_code == 303
    minutes = org.get(f"/staff/evaluation/rounds/{round_id}/minutes").get_data(as_text=True)
    for text in ("BIÊN BẢN", "71,67", "72", "75", "68", "52,33", "CHỦ TỊCH HỘI ĐỒNG", chair_user.full_name,
                 "Bánh gai", "app.css"):
        assert text in minutes, text
    r = org.get(f"/staff/evaluation/rounds/{round_id}/export.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(r.data))
    rows = list(wb.worksheets[0].iter_rows(min_row=2, values_only=True))
    criteria_a = criteria_for(ea)
    assert len(rows) == 3 * len(criteria_a) + 3 * len(criteria_b)
    keys = {(row[0], row[3], row[7]) for row in rows}
    assert len(keys) == len(rows)  # one row per product × member × criterion
    for user, c in people:
        mine = [row for row in rows if row[0] == "Bánh gai" and row[3] == user.full_name]
        assert sum(Decimal(str(row[10])) for row in mine) == sheet_of(round_id, ea, user).total
    results = list(wb.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[5], row[6]) for row in results] == [("Bánh gai", 71.67, 4), ("Mỳ gạo", 52.33, 3)]


def test_a_closed_round_changes_no_more(make_user, make_product, new_client):
    product = make_product(*WAITING)
    round_id, (entry_id,), org, people = setup_round(make_user, new_client, [product])
    criteria = _score_all(round_id, entry_id, people, (72, 75, 68))
    assert _close(people[0][1], round_id).status_code == 303
    assert _close(people[0][1], round_id).status_code == 403
    sheet = sheet_of(round_id, entry_id, people[1][0])
    r = people[0][1].post(f"/staff/evaluation/rounds/{round_id}/sheets/{sheet.id}/reopen", {"reason": "x"})
    assert r.status_code == 403
    assert submit(people[1][1], round_id, entry_id, choose_for_total(criteria, 90)).status_code in (403, 409)
    assert _fresh(product.id).score == Decimal("71.67")


def test_a_city_round_records_the_city_councils_result_and_proposes_90_plus(make_user, make_product, new_client):
    high = make_product(Stage.EVALUATED, Status.AWAITING, Level.CITY, stars=4, score=80, name="Gốm thử")
    low = make_product(Stage.EVALUATED, Status.AWAITING, Level.CITY, stars=4, score=75, name="Miến thử")
    db.session.rollback()
    org_user = make_user(Role.CITY_STAFF, "hanoi")
    users = [make_user(Role.CITY_COUNCIL, "hanoi") for _ in range(3)]
    org = new_client()
    org.login(org_user)
    round_id = make_round(org, name="Đợt đánh giá cấp thành phố")
    for user, role in zip(users, ("chair", "secretary", "member")):
        add_member(org, round_id, user, role)
    entries = [add_product(org, round_id, p) for p in (high, low)]
    clients = []
    for user in users:
        c = new_client()
        c.login(user)
        clients.append(c)
    for entry_id, totals in zip(entries, ((92, 91, 93), (71, 72, 73))):
        criteria = criteria_for(entry_id)
        for c, total in zip(clients, totals):
            assert submit(c, round_id, entry_id, choose_for_total(criteria, total, floor_stars=5)).status_code == 303
    assert _close(clients[0], round_id).status_code == 303
    p = _fresh(high.id)
    assert (p.stage, p.status, p.level, p.score, p.stars) == ("evaluated", "awaiting", "city", Decimal("92.00"), 5)
    assert db.session.query(StageEvent).filter_by(product_id=high.id, action="city_council_result").count() == 1
    db.session.rollback()
    minutes = org.get(f"/staff/evaluation/rounds/{round_id}/minutes").get_data(as_text=True)
    proposed = minutes.split("Đề nghị lên cấp trên")[1]
    assert "Gốm thử" in proposed and "Miến thử" not in proposed  # 90+ goes to the central level
    assert "THƯ KÝ" in minutes and users[1].full_name in minutes
