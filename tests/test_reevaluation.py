"""Re-evaluation of a certificate nearing expiry, decided by written opinion (QĐ 26/2026 Điều 4):
filing inside the window, one open re-evaluation per certificate, the written-opinion round,
closing without a workflow step, the renewal and the public check, the overdue reminder."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from conftest import at_once, snapshot
from evaluation_support import add_member, add_product, choose_for_total, close_round, council, criteria_for, sheet_url
from ocop_app.extensions import db
from ocop_app.models import (Certificate, EvaluationRound, Notification, Product, Reevaluation, ScoreChoice,
                             ScoreSheet, StageEvent)
from ocop_app.notifications import reminders
from ocop_app.workflow import Level, Role, Stage, Status

OLD_SIGNED = dt.date(2023, 12, 15)  # valid until 15/12/2026; window 18/06/2026 – 17/08/2026


def _on(app, day: str) -> None:
    app.config["OCOP_TODAY"] = dt.date.fromisoformat(day)


@pytest.fixture
def certified(app, make_product):
    """``certified(stars, name=None, commune_key="thach_xa")`` → ``(product id, certificate id, number)``:
    a product ranked at the city under QĐ 148/2023 with a certificate signed on 15/12/2023."""
    counter = {"n": 0}

    def make(stars: int, name: str | None = None, commune_key: str = "thach_xa"):
        counter["n"] += 1
        product = make_product(Stage.RANKED, Status.APPROVED, Level.CITY, stars=stars, score=55 + 10 * (stars - 3),
                               name=name, commune_key=commune_key, rule_set_code="qd148-2023")
        number = f"{100 + counter['n']}/GCN-OCOP-2023"
        cert = Certificate(product=product, number=number, decision_no=f"Quyết định {counter['n']}/QĐ-UBND",
                           signed_on=OLD_SIGNED, valid_until=dt.date(2026, 12, 15), stars=stars,
                           issued_by="city" if stars == 4 else "district", rule_set_code="qd148-2023")
        db.session.add(cert)
        db.session.commit()
        ids = (product.id, cert.id, number)
        db.session.rollback()
        return ids

    return make


def _file(client, cert_id):
    return client.post(f"/staff/certificates/{cert_id}/reevaluation", {})


def _count(model, **where) -> int:
    db.session.rollback()
    n = db.session.query(model).filter_by(**where).count()
    db.session.rollback()
    return n


# --------------------------------------------------------------------------
# Filing
# --------------------------------------------------------------------------


def test_filing_only_inside_the_window_180_to_120_days_before_expiry(app, certified, make_user, client):
    first = certified(3)
    last = certified(4)
    client.login(make_user(Role.COMMUNE_STAFF))

    _on(app, "2026-06-17")  # one day early: refused, naming the window, nothing written
    before = snapshot(first[0])
    r = _file(client, first[1])
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "18/06/2026" in page and "17/08/2026" in page and "chỉ được đề nghị" in page
    assert _count(Reevaluation) == 0 and snapshot(first[0]) == before

    _on(app, "2026-06-18")  # the first day
    assert _file(client, first[1]).status_code == 303

    _on(app, "2026-08-18")  # one day late
    r = _file(client, last[1])
    assert r.status_code == 422 and "17/08/2026" in r.get_data(as_text=True)
    assert _count(Reevaluation, certificate_id=last[1]) == 0

    _on(app, "2026-08-17")  # the last day
    assert _file(client, last[1]).status_code == 303

    db.session.rollback()
    reevaluation = db.session.scalars(db.select(Reevaluation).where(Reevaluation.certificate_id == first[1])).one()
    # due = filed + reevaluation_finish_days (45) of QĐ 26/2026, in force on the filing day
    assert (reevaluation.filed_on, reevaluation.due_on, reevaluation.status, reevaluation.rule_set_code) == (
        dt.date(2026, 6, 18), dt.date(2026, 8, 2), "filed", "qd26-2026")
    actions = [e.action for e in db.session.get(Product, first[0]).events]
    assert actions[-1] == "reevaluation_filed"
    assert db.session.get(Product, first[0]).stage == "ranked"
    _on(app, "2026-08-02")  # the due day itself: not overdue
    page = client.get(f"/staff/certificates/{first[1]}").get_data(as_text=True)
    assert "02/08/2026" in page and "Quá hạn" not in page
    _on(app, "2026-08-03")  # past due: the date is highlighted
    page = client.get(f"/staff/certificates/{first[1]}").get_data(as_text=True)
    assert 'class="overdue"' in page and "Quá hạn" in page


def test_two_people_filing_at_once_leave_one_reevaluation(app, certified, make_user, new_client):
    _on(app, "2026-07-01")
    _product_id, cert_id, _number = certified(3)
    clients = []
    for role in (Role.COMMUNE_STAFF, Role.CITY_STAFF):
        c = new_client()
        c.login(make_user(role))
        c.token()
        clients.append(c)
    url = f"/staff/certificates/{cert_id}/reevaluation"
    codes = [r.status_code for r in at_once([lambda c=c: c.raw.post(url, data={"csrf_token": c.token()})
                                            for c in clients])]
    assert sorted(codes) == [303, 409], codes
    assert _count(Reevaluation, certificate_id=cert_id) == 1
    # a later, separate attempt is told too
    r = _file(clients[0], cert_id)
    assert r.status_code == 409 and "đã được đề nghị" in r.get_data(as_text=True)
    assert _count(Reevaluation, certificate_id=cert_id) == 1


def test_filing_permissions(app, certified, make_user, new_client):
    _on(app, "2026-07-01")
    product_id, cert_id, _number = certified(3)
    other_commune = new_client()
    other_commune.login(make_user(Role.COMMUNE_STAFF, "binh_phu"))
    assert _file(other_commune, cert_id).status_code == 404
    district = new_client()
    district.login(make_user(Role.DISTRICT_STAFF))
    assert _file(district, cert_id).status_code == 403
    council_member = new_client()
    council_member.login(make_user(Role.CITY_COUNCIL))
    assert _file(council_member, cert_id).status_code == 403
    assert _count(Reevaluation) == 0
    city = new_client()
    city.login(make_user(Role.CITY_STAFF))
    assert _file(city, cert_id).status_code == 303


# --------------------------------------------------------------------------
# The written-opinion round
# --------------------------------------------------------------------------


def _written_round(org, rule_set="qd26-2026"):
    return org.post("/staff/evaluation/rounds/new", {
        "name": "Đánh giá lại sản phẩm OCOP đợt 2/2026", "starts_on": "01/07/2026", "ends_on": "31/07/2026",
        "rule_set_code": rule_set, "kind": "written"})


def _submit(client, round_id, entry_id, choices, opinion):
    data = {f"c{k}": str(v) for k, v in choices.items()}
    data.update(action="submit", comment="", opinion=opinion)
    return client.post(sheet_url(round_id, entry_id), data)


@pytest.fixture
def written(app, certified, make_user, new_client):
    """Three certificates filed on 01/07/2026 (★4, ★4, ★3) in a written round of the Hà Nội council
    (chair + 2 members). Returns a dict with the ids, the clients and users."""
    _on(app, "2026-07-01")
    certs = {"keep": certified(4, "Miến dong Thạch Xá"), "lower": certified(4, "Chè lam Thạch Xá"),
             "drop": certified(3, "Bánh tẻ Thạch Xá")}
    filer = new_client()
    filer.login(make_user(Role.COMMUNE_STAFF))
    for _p, cert_id, _n in certs.values():
        assert _file(filer, cert_id).status_code == 303
    org, people = council(make_user, new_client, n_members=2, unit="hanoi", role=Role.CITY_COUNCIL)
    r = _written_round(org)
    assert r.status_code == 303, r.get_data(as_text=True)[:600]
    round_id = int(re.search(r"/rounds/(\d+)", r.headers["Location"]).group(1))
    add_member(org, round_id, people[0][0], "chair")
    for user, _c in people[1:]:
        add_member(org, round_id, user, "member")
    entries = {}
    for key, (product_id, _cid, _n) in certs.items():
        entries[key] = add_product(org, round_id, db.session.get(Product, product_id))
    return {"round_id": round_id, "certs": certs, "entries": entries, "org": org, "people": people}


def test_written_round_needs_a_rule_set_with_a_reevaluation_window(app, make_user, new_client):
    org = new_client()
    org.login(make_user(Role.CITY_STAFF, "hanoi"))
    r = _written_round(org, rule_set="qd148-2023")
    assert r.status_code == 422 and "lấy ý kiến bằng văn bản" in r.get_data(as_text=True)
    assert _count(EvaluationRound) == 0


def test_written_round_requires_the_opinion_and_keeps_the_choices(app, written):
    round_id, entry_id = written["round_id"], written["entries"]["keep"]
    user, member = written["people"][1]
    page = member.get(sheet_url(round_id, entry_id)).get_data(as_text=True)
    assert 'name="opinion"' in page and "Ý kiến bằng văn bản" in page
    criteria = criteria_for(entry_id)
    choices = choose_for_total(criteria, 80)
    r = _submit(member, round_id, entry_id, choices, opinion="   ")
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "ý kiến" in page.lower()
    assert all(f'value="{o}" checked' in page for o in choices.values())
    db.session.rollback()
    sheet = db.session.scalars(db.select(ScoreSheet).where(ScoreSheet.round_product_id == entry_id,
                                                           ScoreSheet.member_id == user.id)).one()
    assert sheet.status == "draft"
    assert db.session.query(ScoreChoice).filter_by(sheet_id=sheet.id).count() == len(criteria)
    db.session.rollback()
    r = _submit(member, round_id, entry_id, choices, opinion="Sản phẩm vẫn đáp ứng các tiêu chí 4 sao.")
    assert r.status_code == 303
    round_page = written["org"].get(f"/staff/evaluation/rounds/{round_id}").get_data(as_text=True)
    assert "lấy ý kiến bằng văn bản" in round_page


def test_closing_decides_without_a_workflow_step_and_the_renewal_replaces_the_certificate(app, written, make_user,
                                                                                          new_client):
    round_id, entries, certs, people = written["round_id"], written["entries"], written["certs"], written["people"]
    targets = {"keep": (80, 4), "lower": (60, 4), "drop": (45, None)}
    for key, (total, floor) in targets.items():
        criteria = criteria_for(entries[key])
        choices = choose_for_total(criteria, total, floor_stars=floor)
        for i, (_user, c) in enumerate(people):
            r = _submit(c, round_id, entries[key], choices, opinion=f"Ý kiến {i + 1} về sản phẩm {key}")
            assert r.status_code == 303, r.get_data(as_text=True)[:500]
    states = {k: snapshot(p)[:3] for k, (p, _c, _n) in certs.items()}
    chair = people[0][1]
    assert close_round(chair, round_id).status_code == 303

    db.session.rollback()
    found = {k: db.session.scalars(db.select(Reevaluation).where(Reevaluation.certificate_id == c)).one()
             for k, (_p, c, _n) in certs.items()}
    assert (found["keep"].outcome, found["keep"].renewed_stars) == ("renewed", 4)
    assert (found["lower"].outcome, found["lower"].result_stars, found["lower"].renewed_stars) == ("renewed", 3, 3)
    assert (found["drop"].outcome, found["drop"].renewed_stars) == ("not_renewed", None)
    assert all(r.status == "decided" for r in found.values())
    db.session.rollback()
    # no workflow step: every product is still ranked, and the timeline says what was decided
    assert {k: snapshot(p)[:3] for k, (p, _c, _n) in certs.items()} == states
    assert db.session.query(StageEvent).filter_by(product_id=certs["lower"][0],
                                                  action="reevaluation_decided").count() == 1
    db.session.rollback()

    minutes = chair.get(f"/staff/evaluation/rounds/{round_id}/minutes").get_data(as_text=True)
    assert "Ý KIẾN BẰNG VĂN BẢN" in minutes and "Ý kiến 2 về sản phẩm lower" in minutes
    assert "Không gia hạn" in minutes
    export = chair.get(f"/staff/evaluation/rounds/{round_id}/export.xlsx")
    assert export.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook
    wb = load_workbook(BytesIO(export.get_data()))
    opinions = wb.worksheets[-1]
    assert "lấy ý kiến bằng văn bản" in opinions["A1"].value
    assert "Ý kiến 3 về sản phẩm keep" in [row[4] for row in opinions.iter_rows(min_row=3, values_only=True)]

    # a council member cannot confirm; the city approver does, with decision, date and number
    lower_product, lower_cert, old_number = certs["lower"]
    url = f"/staff/certificates/{lower_cert}/reevaluation/confirm"
    data = {"decision_no": "88/QĐ-UBND", "signed_on": "10/08/2026", "certificate_no": "HN-OCOP-2026-088"}
    assert chair.post(url, data).status_code == 403
    approver = new_client()
    approver.login(make_user(Role.CITY_APPROVER, "hanoi"))
    _on(app, "2026-08-09")
    r = approver.post(url, data)  # signed tomorrow: refused, typed values kept
    assert r.status_code == 422 and "HN-OCOP-2026-088" in r.get_data(as_text=True)
    _on(app, "2026-08-10")
    assert approver.post(url, data).status_code == 303
    assert approver.post(url, {**data, "certificate_no": "HN-OCOP-2026-089"}).status_code == 403  # done already
    # not renewed: nothing to confirm
    assert approver.post(f"/staff/certificates/{certs['drop'][1]}/reevaluation/confirm", data).status_code == 403

    db.session.rollback()
    product = db.session.get(Product, lower_product)
    new = product.certificate
    assert (new.number, new.stars, new.signed_on, new.valid_until, new.rule_set_code) == (
        "HN-OCOP-2026-088", 3, dt.date(2026, 8, 10), dt.date(2029, 8, 10), "qd26-2026")
    assert product.stars == 3 and product.stage == "ranked"
    assert db.session.get(Certificate, lower_cert).replaced_by_id == new.id
    assert product.events[-1].action == "reevaluation_renewed"
    db.session.rollback()

    public = new_client()
    item = next(i for i in public.get("/api/v1/products").get_json()["items"] if i["id"] == lower_product)
    assert (item["certificate_no"], item["valid_until"], item["stars"], item["certificate_status"]) == (
        "HN-OCOP-2026-088", "2029-08-10", 3, "valid")
    assert "10/08/2029" in public.get(f"/p/{lower_product}").get_data(as_text=True)
    check = public.get(f"/certificate?no={old_number}").get_data(as_text=True)
    assert "HN-OCOP-2026-088" in check and "thay thế" in check and "Còn hiệu lực" not in check
    check = public.get("/certificate?no=HN-OCOP-2026-088").get_data(as_text=True)
    assert "10/08/2029" in check


def test_ordinary_rounds_do_not_take_filed_reevaluations(app, written, make_user):
    from ocop_app.evaluation import operations as ops

    db.session.rollback()
    organiser = make_user(Role.CITY_STAFF, "hanoi")
    ordinary = ops.create_round(actor=organiser, name="Đợt đánh giá thường", starts_on=dt.date(2026, 7, 1),
                                ends_on=dt.date(2026, 7, 31), rule_set_code="qd26-2026")
    assert ordinary.kind == "ordinary" and not ordinary.written
    assert ops.eligible_products(ordinary) == []
    db.session.rollback()


# --------------------------------------------------------------------------
# The overdue reminder
# --------------------------------------------------------------------------


def test_overdue_reevaluation_is_told_once_to_the_city_staff(app, certified, make_user, new_client):
    _on(app, "2026-07-01")
    _product_id, cert_id, _number = certified(3)
    city_staff = make_user(Role.CITY_STAFF, "hanoi")
    other_city = make_user(Role.CITY_STAFF, "lam_dong")
    filer = new_client()
    filer.login(make_user(Role.COMMUNE_STAFF))
    assert _file(filer, cert_id).status_code == 303  # due 15/08/2026
    db.session.rollback()

    def overdue_keys(user):
        db.session.rollback()
        keys = [n.key for n in db.session.scalars(db.select(Notification).where(Notification.user_id == user.id))
                if n.key.startswith("reevaluation-overdue:")]
        db.session.rollback()
        return keys

    reminders.collect(dt.date(2026, 8, 15))  # on the due day: not yet overdue
    assert overdue_keys(city_staff) == []
    reminders.collect(dt.date(2026, 8, 16))
    reminders.collect(dt.date(2026, 8, 17))
    db.session.rollback()
    reevaluation_id = db.session.scalars(db.select(Reevaluation.id)).one()
    assert overdue_keys(city_staff) == [f"reevaluation-overdue:{reevaluation_id}"]  # once, though run twice
    assert overdue_keys(other_city) == []


# --------------------------------------------------------------------------
# After the round closes: who confirms, what they see (fixcert)
# --------------------------------------------------------------------------


def _score_and_close(written, targets):
    round_id, entries, people = written["round_id"], written["entries"], written["people"]
    for key, (total, floor) in targets.items():
        choices = choose_for_total(criteria_for(entries[key]), total, floor_stars=floor)
        for i, (_user, c) in enumerate(people):
            r = _submit(c, round_id, entries[key], choices, opinion=f"Ý kiến {i + 1} về sản phẩm {key}")
            assert r.status_code == 303, r.get_data(as_text=True)[:500]
    assert close_round(people[0][1], round_id).status_code == 303
    db.session.rollback()


def _keys(user, prefix):
    db.session.rollback()
    keys = sorted(n.key for n in db.session.scalars(db.select(Notification).where(Notification.user_id == user.id))
                  if n.key.startswith(prefix))
    db.session.rollback()
    return keys


def test_renewal_waiting_for_confirmation_reaches_the_approver(app, written, make_user, new_client):
    approver_user = make_user(Role.CITY_APPROVER, "hanoi")
    elsewhere = make_user(Role.CITY_APPROVER, "lam_dong")
    approver = new_client()
    approver.login(approver_user)
    assert "Gia hạn giấy chứng nhận chờ tôi xác nhận" not in approver.get("/staff/queue").get_data(as_text=True)

    _score_and_close(written, {"keep": (100, 5), "lower": (60, 4), "drop": (45, None)})
    db.session.rollback()
    found = {k: db.session.scalars(db.select(Reevaluation).where(Reevaluation.certificate_id == c)).one()
             for k, (_p, c, _n) in written["certs"].items()}
    renewed = sorted(f"renewal-to-confirm:{found[k].id}" for k in ("keep", "lower"))
    db.session.rollback()
    # told on closing, once: the daily job adds nothing under that key; the other city hears nothing
    assert _keys(approver_user, "renewal-to-confirm:") == renewed
    reminders.collect(dt.date(2026, 8, 1))
    assert _keys(approver_user, "renewal-to-confirm:") == renewed
    assert _keys(elsewhere, "renewal-to-confirm:") == []
    notes = approver.get("/staff/notifications").get_data(as_text=True)
    assert "Gia hạn chờ xác nhận: Miến dong Thạch Xá" in notes

    # "Việc của tôi": both renewals, linked to their certificate pages, counted; not the dropped one
    page = approver.get("/staff/queue").get_data(as_text=True)
    assert "Gia hạn giấy chứng nhận chờ tôi xác nhận" in page and "Gia hạn chờ xác nhận" in page
    for key in ("keep", "lower"):
        assert f'href="/staff/certificates/{written["certs"][key][1]}"' in page
    assert f'href="/staff/certificates/{written["certs"]["drop"][1]}"' not in page
    count = approver.get("/staff/queue/count").get_data(as_text=True)
    assert re.search(r"\b2\b", count), count
    chair_queue = written["people"][0][1].get("/staff/queue").get_data(as_text=True)
    assert "Gia hạn giấy chứng nhận chờ tôi xác nhận" not in chair_queue

    # confirmed: it leaves the queue
    _on(app, "2026-08-01")
    r = approver.post(f"/staff/certificates/{written['certs']['keep'][1]}/reevaluation/confirm",
                      {"decision_no": "90/QĐ-UBND", "signed_on": "01/08/2026", "certificate_no": "HN-OCOP-2026-090"})
    assert r.status_code == 303
    page = approver.get("/staff/queue").get_data(as_text=True)
    assert f'href="/staff/certificates/{written["certs"]["keep"][1]}"' not in page
    assert f'href="/staff/certificates/{written["certs"]["lower"][1]}"' in page


def test_reevaluation_result_says_it_never_raises_the_rank(app, written, make_user, new_client):
    _score_and_close(written, {"keep": (100, 5), "lower": (60, 4), "drop": (45, None)})
    round_id = written["round_id"]
    chair = written["people"][0][1]
    raised = "Kết quả chấm: 100 điểm (5 sao) — gia hạn ở hạng 4 sao (đánh giá lại không nâng hạng; " \
             "muốn nâng hạng phải đăng ký nâng hạng)"
    for url in (f"/staff/evaluation/rounds/{round_id}", f"/staff/evaluation/rounds/{round_id}/minutes"):
        page = chair.get(url).get_data(as_text=True)
        assert raised in page, url
        assert "Kết quả chấm: 60 điểm (3 sao) — gia hạn ở hạng 3 sao (đánh giá lại chỉ giữ hoặc hạ hạng" in page
        assert "Không gia hạn: giấy chứng nhận có hiệu lực đến hết thời hạn — kết quả chấm: 45 điểm" in page
    approver = new_client()
    approver.login(make_user(Role.CITY_APPROVER, "hanoi"))
    product_page = approver.get(f"/staff/products/{written['certs']['keep'][0]}").get_data(as_text=True)
    assert raised in product_page and "→ <span class=\"stars\"" not in product_page.split(raised)[0][-400:]
    cert_page = approver.get(f"/staff/certificates/{written['certs']['keep'][1]}").get_data(as_text=True)
    assert raised in cert_page


def test_certificate_page_forms_have_their_own_ids_and_only_a_valid_certificate_is_revoked(
        app, written, make_user, new_client):
    _score_and_close(written, {"keep": (80, 4), "lower": (60, 4), "drop": (45, None)})
    approver = new_client()
    approver.login(make_user(Role.CITY_APPROVER, "hanoi"))
    _product, cert_id, _number = written["certs"]["keep"]
    page = approver.get(f"/staff/certificates/{cert_id}").get_data(as_text=True)
    assert "/reevaluation/confirm" in page and f"/certificates/{cert_id}/revoke" in page  # both forms
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    labels = dict((target, text.strip()) for target, text in re.findall(r'<label for="([^"]+)">([^<]*)</label>', page))
    assert labels["revoke-decision_no"] == "Số quyết định thu hồi"
    assert 'id="revoke-decision_no" name="decision_no"' in page or re.search(
        r'<input[^>]*id="revoke-decision_no"[^>]*name="decision_no"', page)
    assert all(target in ids for target in labels)

    # confirmed: the old certificate is replaced — no revocation, no window; the server refuses too
    _on(app, "2026-08-01")
    r = approver.post(f"/staff/certificates/{cert_id}/reevaluation/confirm",
                      {"decision_no": "90/QĐ-UBND", "signed_on": "01/08/2026", "certificate_no": "HN-OCOP-2026-090"})
    assert r.status_code == 303
    page = approver.get(f"/staff/certificates/{cert_id}").get_data(as_text=True)
    assert f"/certificates/{cert_id}/revoke" not in page and "Thời hạn nộp hồ sơ đánh giá lại" not in page
    r = approver.post(f"/staff/certificates/{cert_id}/revoke", {"ground": "", "decision_no": "91/QĐ-UBND"})
    assert r.status_code == 422 and "đã được thay thế bằng giấy chứng nhận HN-OCOP-2026-090" in r.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Certificate, cert_id).revoked_on is None
    db.session.rollback()


def test_revoked_certificate_shows_no_reevaluation_window(app, certified, make_user, new_client):
    _on(app, "2026-07-01")  # inside the window of a certificate valid until 15/12/2026
    _product_id, cert_id, _number = certified(4)
    approver = new_client()
    approver.login(make_user(Role.CITY_APPROVER, "hanoi"))
    page = approver.get(f"/staff/certificates/{cert_id}").get_data(as_text=True)
    assert "Thời hạn nộp hồ sơ đánh giá lại" in page and f"/certificates/{cert_id}/revoke" in page
    from ocop_app import rules
    ground = rules.revocation_grounds(dt.date(2026, 7, 1))[0]["code"]
    assert approver.post(f"/staff/certificates/{cert_id}/revoke",
                         {"ground": ground, "decision_no": "12/QĐ-UBND"}).status_code == 303
    page = approver.get(f"/staff/certificates/{cert_id}").get_data(as_text=True)
    assert "Thời hạn nộp hồ sơ đánh giá lại" not in page and f"/certificates/{cert_id}/revoke" not in page


def test_rounds_name_where_their_sheets_come_from_without_codes(app, make_user, new_client):
    org = new_client()
    org.login(make_user(Role.CITY_STAFF, "hanoi"))
    pages = {}
    for code in ("qd148-2023", "qd26-2026"):
        r = org.post("/staff/evaluation/rounds/new", {"name": "Đợt đánh giá " + code[2:5], "starts_on": "01/07/2026",
                                                      "ends_on": "31/07/2026", "rule_set_code": code,
                                                      "kind": "ordinary"})
        assert r.status_code == 303, r.get_data(as_text=True)[:500]
        pages[code] = org.get(r.headers["Location"]).get_data(as_text=True)
    for page in pages.values():
        assert "qd26-2026" not in page and "qd148-2023" not in page
    assert ("phiếu theo Quyết định 26/2026/QĐ-TTg — cùng cơ cấu 40/25/35 của Quyết định 148/QĐ-TTg, "
            "vì phiếu của Quyết định 148/QĐ-TTg chưa có trong dữ liệu") in pages["qd148-2023"]
    assert "chưa có trong dữ liệu" not in pages["qd26-2026"]


def test_new_round_preselects_the_deployments_rule_set_and_an_example_of_the_users_unit(app, make_user, new_client):
    _on(app, "2026-07-01")
    city = new_client()
    city.login(make_user(Role.CITY_STAFF, "hanoi"))
    district = new_client()
    district.login(make_user(Role.DISTRICT_STAFF))

    def selected(client):
        page = client.get("/staff/evaluation/rounds/new").get_data(as_text=True)
        select = re.search(r'<select[^>]*name="rule_set_code".*?</select>', page, re.S).group(0)
        return re.findall(r'<option selected value="([^"]+)"|<option value="([^"]+)" selected', select), page

    app.config["OCOP_RULE_SET"] = "qd26-2026"  # the deployment's choice has the city level
    found, page = selected(city)
    assert [a or b for a, b in found] == ["qd26-2026"]
    assert "Thạch Thất" not in page and "Đợt đánh giá sản phẩm OCOP thành phố Hà Nội năm 2026" in page
    found, page = selected(district)  # …but no district: the rule set in force today that has one
    assert [a or b for a, b in found] == [] or "qd1048-2019" not in [a or b for a, b in found]
    app.config["OCOP_RULE_SET"] = "qd148-2023"
    found, page = selected(district)
    assert [a or b for a, b in found] == ["qd148-2023"]
    assert "huyện Thạch Thất năm 2026" in page


def test_a_certificate_revoked_while_its_renewal_waits_cannot_be_renewed(app, written, make_user, new_client):
    """Tester report (session 5): a certificate revoked while its renewal waited for confirmation
    came back as a new valid certificate when the approver confirmed the renewal afterwards."""
    _score_and_close(written, {"keep": (80, 4), "lower": (60, 4), "drop": (45, None)})
    product_id, cert_id, number = written["certs"]["keep"]
    approver = new_client()
    approver.login(make_user(Role.CITY_APPROVER, "hanoi"))
    _on(app, "2026-08-01")
    page = approver.get(f"/staff/certificates/{cert_id}").get_data(as_text=True)
    assert "/reevaluation/confirm" in page  # the form the approver has open
    r = approver.post(f"/staff/certificates/{cert_id}/revoke",
                      {"ground": "violations", "decision_no": "77/QĐ-UBND", "note": "ghi chú nội bộ"})
    assert r.status_code == 303

    r = approver.post(f"/staff/certificates/{cert_id}/reevaluation/confirm",
                      {"decision_no": "90/QĐ-UBND", "signed_on": "01/08/2026", "certificate_no": "HN-OCOP-2026-090"})
    assert r.status_code == 409
    assert (f"Giấy chứng nhận {number} đã bị thu hồi ngày 01/08/2026 theo quyết định 77/QĐ-UBND"
            in r.get_data(as_text=True))
    assert _count(Certificate, number="HN-OCOP-2026-090") == 0
    assert f'href="/staff/certificates/{cert_id}"' not in approver.get("/staff/queue").get_data(as_text=True)
    assert "/reevaluation/confirm" not in approver.get(f"/staff/certificates/{cert_id}").get_data(as_text=True)

    public = new_client()
    assert public.get(f"/p/{product_id}").status_code == 410
    revoked = public.get(f"/p/{product_id}").get_data(as_text=True)
    assert "ghi chú nội bộ" not in revoked  # the officer's note stays inside; the legal ground is shown
    assert "Căn cứ pháp lý" in revoked or "Điều 8" in revoked
    check = public.get(f"/certificate?no={number}").get_data(as_text=True)
    assert "thu hồi" in check and "01/08/2026" in check
    # nobody is reminded to finish what the revocation ended; the page says why nothing follows
    assert "thu hồi trước khi gia hạn được xác nhận" in approver.get(f"/staff/certificates/{cert_id}").get_data(
        as_text=True)
    reminders.collect(dt.date(2026, 12, 1))
    assert _count(Notification, key=f"reevaluation-overdue:{_reevaluation_id(cert_id)}") == 0


def _reevaluation_id(cert_id: int) -> int:
    db.session.rollback()
    rid = db.session.scalars(db.select(Reevaluation.id).where(Reevaluation.certificate_id == cert_id)).one()
    db.session.rollback()
    return rid


def test_a_window_open_when_qd26_came_into_force_counts_from_that_day(app, certified, make_user, client):
    """Tester report (session 5): certificates expiring 19/09–17/11/2026 never got a window, because it was
    taken from the rule set in force on its first day (QĐ 1489/2025, none); from 18/11 on they had one.
    QĐ 26/2026 (in force from 22/05/2026) gives 180–120 days before expiry; what of that window lies after
    22/05/2026 can be used."""
    cases = {}
    for label, valid_until, stars in (("open", dt.date(2026, 10, 1), 4), ("closed", dt.date(2026, 9, 18), 4),
                                      ("central", dt.date(2026, 12, 15), 5)):
        product_id, cert_id, _n = certified(stars)
        cert = db.session.get(Certificate, cert_id)
        cert.valid_until = valid_until
        db.session.commit()
        cases[label] = (product_id, cert_id)
    assert db.session.get(Certificate, cases["open"][1]).reevaluation_window() == (
        dt.date(2026, 5, 22), dt.date(2026, 6, 3))
    db.session.rollback()
    client.login(make_user(Role.CITY_STAFF, "hanoi"))

    _on(app, "2026-05-21")
    r = _file(client, cases["open"][1])
    assert r.status_code == 422 and "22/05/2026" in r.get_data(as_text=True)
    _on(app, "2026-05-22")
    assert _file(client, cases["open"][1]).status_code == 303

    r = _file(client, cases["closed"][1])
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "có hiệu lực từ ngày 22/05/2026" in page and "quy trình đầy đủ" in page
    page = client.get(f"/staff/certificates/{cases['closed'][1]}").get_data(as_text=True)
    assert "quy trình đầy đủ" in page  # the page says there is no window, and why
    _on(app, "2026-06-18")
    r = _file(client, cases["central"][1])
    assert r.status_code == 422 and "cấp trung ương" in r.get_data(as_text=True)
    assert _count(Reevaluation) == 1
    # ★5: the page says so instead of offering a window, and nobody is reminded to file it
    page = client.get(f"/staff/certificates/{cases['central'][1]}").get_data(as_text=True)
    assert "cấp trung ương" in page and "Đang trong thời hạn đánh giá lại" not in page
    reminders.collect(dt.date(2026, 6, 18))
    assert _count(Notification, key=f"cert-reevaluation:{cases['central'][1]}") == 0
