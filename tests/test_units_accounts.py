"""Accounts of units ended by the 2025 administrative change (NQ 1656/NQ-UBTVQH15, QĐ 1489/QĐ-TTg):
the administrator's review, the read-only state until decided, decisions that take effect at once."""

from __future__ import annotations

import pytest
from flask import url_for

from conftest import at_once, in_own_context, snapshot
from ocop_app import workflow
from ocop_app.extensions import db
from ocop_app.models import AccountEvent, AccountReview, AdminUnit, Commune, EvaluationRound, User
from ocop_app.workflow import Level, Role, Stage, Status, TransitionDenied

REVIEW_URL = "/staff/units/accounts"


def _merge(app) -> str:
    result = in_own_context(app.test_cli_runner().invoke, args=["units", "apply-merger"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    return result.output


def _review(user) -> AccountReview:
    return db.session.query(AccountReview).filter_by(user_id=user.id).one()


def _fresh(user) -> User:
    db.session.rollback()
    return db.session.get(User, user.id)


@pytest.fixture
def district_people(make_user):
    """Thạch Thất's officer, approver and council member, a Bình Phú (split) approver, a Thạch Xá
    (wholly merged) officer and a Quốc Oai officer (their district is not in the merger file)."""
    return {
        "officer": make_user(Role.DISTRICT_STAFF, username="huyen.canbo"),
        "approver": make_user(Role.DISTRICT_APPROVER, username="huyen.duyet"),
        "council": make_user(Role.DISTRICT_COUNCIL, username="huyen.hoidong1"),
        "split": make_user(Role.COMMUNE_APPROVER, "binh_phu", username="xa.binhphu.duyet"),
        "whole": make_user(Role.COMMUNE_STAFF, username="xa.thachxa"),
        "other": make_user(Role.DISTRICT_STAFF, "quoc_oai", username="quocoai.canbo"),
    }


@pytest.fixture
def admin_client(make_user, new_client):
    client = new_client()
    client.login(make_user(Role.ADMIN, username="admin"))
    return client


def test_after_the_merger_every_account_of_an_ended_unit_waits_with_a_proposal(
        app, units, district_people, admin_client):
    people = district_people
    output = _merge(app)
    assert "4 accounts to review" in output

    proposals = {name: (r.proposed_action, r.proposed_unit.name if r.proposed_unit else None, r.proposed_role)
                 for name in ("officer", "approver", "council", "split") for r in [_review(people[name])]}
    assert proposals == {
        "officer": ("move", "Hà Nội", "city_staff"),  # the province's OCOP agency takes the district's work
        "approver": ("deactivate", None, None),
        "council": ("deactivate", None, None),
        "split": ("move", "Tây Phương", "commune_approver"),  # the larger part, named first in NQ 1656
    }
    assert all(_review(people[n]).decided_at is None for n in proposals)
    # Nothing moved silently: the reviewed accounts keep their unit, role and activity.
    for name in proposals:
        user = _fresh(people[name])
        assert (user.unit_id, user.role, user.active) == (people[name].unit_id, people[name].role, True)
    # The wholly merged commune's officer moved by rule, with an audit row; Quốc Oai is untouched.
    whole = _fresh(people["whole"])
    assert whole.unit.name == "Tây Phương"
    event = db.session.query(AccountEvent).filter_by(user_id=whole.id, action="move").one()
    assert event.actor_id is None and event.from_unit_id == units["thach_xa"].id and "1656" in event.detail
    assert db.session.query(AccountReview).filter_by(user_id=people["other"].id).count() == 0
    assert db.session.query(AccountEvent).filter_by(action="review_opened").count() == 4
    db.session.rollback()

    page = admin_client.get(REVIEW_URL).get_data(as_text=True)
    pending = page.split('id="account-reviews"')[1].split("<h2>")[0]
    for name in ("huyen.canbo", "huyen.duyet", "huyen.hoidong1", "xa.binhphu.duyet"):
        assert name in pending
    assert "xa.thachxa" not in pending and "quocoai.canbo" not in pending
    assert "Chuyển đến Thành phố Hà Nội với vai trò Cán bộ thành phố" in pending
    assert "Khóa tài khoản" in pending
    # The split commune's approver may go to either new commune or to the city.
    row = pending.split("xa.binhphu.duyet", 1)[1].split("</tr>")[0]
    assert "Xã Tây Phương" in row and "Xã Kiều Phú" in row and "Thành phố Hà Nội" in row

    # Applying the merger again opens nothing new.
    assert _merge(app).startswith("Merger: nothing to do")
    assert db.session.query(AccountReview).count() == 4


def test_until_decided_the_account_reads_history_but_takes_no_step(
        app, units, district_people, make_user, make_product, new_client):
    people = district_people
    product = make_product(Stage.REGISTERED, Status.AWAITING, Level.COMMUNE, commune_key="binh_phu",
                           name="Miến dong Bình Phú")
    approver = people["split"]
    assert "commune_sign_off" in [t.name for t in workflow.available_transitions(product, approver)]
    db.session.rollback()
    _merge(app)

    product = db.session.get(type(product), product.id)
    approver = db.session.get(User, approver.id)
    assert product.commune_id == units["binh_phu"].id  # a split commune's product waits for a person too
    # The workflow itself refuses: no step is offered, and the server check says why.
    assert workflow.available_transitions(product, approver) == []
    assert workflow.choices(product, approver) == []
    with pytest.raises(TransitionDenied, match="kết thúc"):
        workflow.authorise(product, approver, "commune_send_to_city")
    # Another commune approver whose commune lives on still has the (re-routed) step.
    live = make_user(Role.COMMUNE_APPROVER, "binh_phu")
    live.unit = db.session.query(Commune).filter_by(name="Tây Phương").one()
    assert not workflow.unit_ended(live)
    db.session.rollback()

    c = new_client()
    c.login(approver)  # still signs in
    home = c.get("/staff/queue").get_data(as_text=True)
    assert "Đơn vị của bạn, Xã Bình Phú, đã kết thúc ngày 30/06/2025" in home
    assert "Miến dong Bình Phú" not in c.get("/staff/queue").get_data(as_text=True)
    detail = c.get(f"/staff/products/{product.id}")
    assert detail.status_code == 200
    text = detail.get_data(as_text=True)
    assert "Miến dong Bình Phú" in text and "/actions/" not in text  # history readable, no button
    before = snapshot(product.id)
    r = c.post(f"/staff/products/{product.id}/actions/commune_send_to_city", {"version": product.version})
    assert r.status_code == 403 and "đã kết thúc" in r.get_data(as_text=True)
    assert snapshot(product.id) == before

    # A district officer is refused every change the workflow does not see either (e.g. a round).
    officer = new_client()
    officer.login(people["officer"])
    assert "Huyện Thạch Thất, đã kết thúc" in officer.get("/staff/queue").get_data(as_text=True)
    with app.test_request_context():
        round_new = url_for("evaluation.round_new")
    r = officer.post(round_new, {"name": "Đợt 2/2025", "starts_on": "01/08/2025", "ends_on": "30/08/2025"})
    assert r.status_code == 403
    assert db.session.query(EvaluationRound).count() == 0
    # …but may still change its password and log out.
    assert officer.post("/auth/logout").status_code == 303


def test_the_administrator_moves_an_officer_at_once_and_deactivates_an_approver(
        app, units, district_people, make_product, admin_client, new_client):
    people = district_people
    city_product = make_product(Stage.EVALUATED, Status.AWAITING, Level.CITY, commune_key="sai_son",
                                name="Chè Sài Sơn")
    _merge(app)
    officer_client = new_client()
    officer_client.login(people["officer"])
    epoch = _fresh(people["officer"]).session_epoch
    review = _review(people["officer"])
    hanoi = units["hanoi"].id
    db.session.rollback()

    r = admin_client.post(f"{REVIEW_URL}/{review.id}", {"action": "move", "unit": str(hanoi),
                                                         "role": "city_staff"})
    assert r.status_code == 303
    page = admin_client.get(REVIEW_URL).get_data(as_text=True)
    assert "huyen.canbo nay thuộc Thành phố Hà Nội với vai trò Cán bộ thành phố" in page
    officer = _fresh(people["officer"])
    assert (officer.unit_id, officer.role, officer.active) == (hanoi, "city_staff", True)
    assert officer.session_epoch == epoch + 1
    event = db.session.query(AccountEvent).filter_by(user_id=officer.id, action="move").one()
    assert (event.actor.username, event.from_unit_id, event.from_role, event.to_unit_id, event.to_role) == \
        ("admin", units["thach_that"].id, "district_staff", hanoi, "city_staff")
    decided = _review(officer)
    assert (decided.decision, decided.chosen_unit_id, decided.decided_by.username) == ("move", hanoi, "admin")
    db.session.rollback()
    # The old session has ended; signed in again, the officer has the city's scope and no notice.
    assert officer_client.get("/staff/queue").status_code == 302
    officer_client.login(officer)
    home = officer_client.get("/staff/queue").get_data(as_text=True)
    assert "đã kết thúc" not in home
    assert officer_client.get(f"/staff/products/{city_product.id}").status_code == 200

    review = _review(people["approver"])
    db.session.rollback()
    r = admin_client.post(f"{REVIEW_URL}/{review.id}", {"action": "deactivate"}, htmx=True)
    assert r.status_code == 204 and r.headers["HX-Redirect"] == REVIEW_URL
    assert not _fresh(people["approver"]).active
    assert new_client().post("/auth/login", {"username": "huyen.duyet", "password": "test-pass-1"}).status_code == 401
    page = admin_client.get(REVIEW_URL).get_data(as_text=True)
    pending, log = page.split('id="account-reviews"')[1].split("<h2>")
    assert "huyen.canbo" not in pending and "huyen.duyet" not in pending and "huyen.hoidong1" in pending
    assert "huyen.canbo" in log and "huyen.duyet" in log


@pytest.mark.parametrize("data, field, message", [
    ({"action": "move", "unit": "HANOI", "role": "commune_staff"}, "role", "Chọn một vai trò của cấp"),
    ({"action": "move", "unit": "LAMDONG", "role": "city_staff"}, "unit", "Chọn một đơn vị kế thừa"),
    ({"action": "move", "unit": "x" * 40, "role": "city_staff"}, "unit", "Chọn một đơn vị kế thừa"),
    ({"action": "promote"}, "action", "Chọn chuyển tài khoản hoặc khóa tài khoản"),
    ({}, "action", "Chọn chuyển tài khoản hoặc khóa tài khoản"),
])
@pytest.mark.parametrize("htmx", [False, True])
def test_a_decision_that_does_not_fit_is_refused_keeping_what_was_chosen(
        app, units, district_people, admin_client, data, field, message, htmx):
    _merge(app)
    officer = district_people["officer"]
    review = _review(officer)
    ids = {"HANOI": str(units["hanoi"].id), "LAMDONG": str(units["lam_dong"].id)}
    data = {k: ids.get(v, v) for k, v in data.items()}
    db.session.rollback()
    r = admin_client.post(f"{REVIEW_URL}/{review.id}", data, htmx=htmx)
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    assert message in text and f'id="{field}-{review.id}-error"' in text
    assert ("<html" in text) is not htmx
    if data.get("role") == "commune_staff":  # the chosen role stays selected
        assert '<option value="commune_staff" selected>' in text
    user = _fresh(officer)
    assert (user.unit_id, user.role, user.active) == (units["thach_that"].id, "district_staff", True)
    assert _review(user).decided_at is None
    assert db.session.query(AccountEvent).filter(AccountEvent.action != "review_opened").filter_by(
        user_id=user.id).count() == 0


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_the_administrator_sees_and_decides(app, units, district_people, make_user, new_client, role):
    _merge(app)
    review = _review(district_people["officer"])
    db.session.rollback()
    c = new_client()
    c.login(make_user(role, "hanoi" if role.level is Level.CITY else None))
    assert c.get(REVIEW_URL).status_code == 403
    r = c.post(f"{REVIEW_URL}/{review.id}", {"action": "move", "unit": str(units["hanoi"].id),
                                              "role": role.value})
    assert r.status_code == 403
    assert _review(district_people["officer"]).decided_at is None
    anonymous = new_client()
    assert anonymous.get(REVIEW_URL).status_code == 302
    assert anonymous.post(f"{REVIEW_URL}/{review.id}", {"action": "deactivate"}).status_code == 302


def test_two_administrators_deciding_at_once_one_wins_the_other_gets_409(
        app, units, district_people, make_user, new_client):
    _merge(app)
    review = _review(district_people["officer"])
    hanoi = units["hanoi"].id
    db.session.rollback()
    admins, admin_users = [], []
    for name in ("admin.a", "admin.b"):
        c = new_client()
        admin_users.append(make_user(Role.ADMIN, username=name))
        c.login(admin_users[-1])
        c.token()
        admins.append(c)
    move = {"action": "move", "unit": str(hanoi), "role": "city_staff"}
    url = f"{REVIEW_URL}/{review.id}"
    results = at_once([  # raw posts: the threads are the two requests, as on a server
        lambda: admins[0].raw.post(url, data={**move, "csrf_token": admins[0].token()}),
        lambda: admins[1].raw.post(url, data={"action": "deactivate", "csrf_token": admins[1].token()})])
    statuses = [r.status_code for r in results]
    assert sorted(statuses) == [303, 409], statuses
    loser = results[statuses.index(409)].get_data(as_text=True)
    winner = "move" if statuses[0] == 303 else "deactivate"
    # it says who decided, when and what (tester report, session 5: it named no one)
    who = admin_users[statuses.index(303)].full_name
    outcome = "chuyển về Thành phố Hà Nội với vai trò" if winner == "move" else "đã khóa"
    assert f"Tài khoản này đã được {who} quyết định ngày" in loser and outcome in loser, loser[:3000]
    user = _fresh(district_people["officer"])
    decided = _review(user)
    assert decided.decision == winner
    events = db.session.query(AccountEvent).filter(AccountEvent.user_id == user.id,
                                                   AccountEvent.action.in_(["move", "deactivate"])).all()
    assert [e.action for e in events] == [winner]
    assert user.active is (winner == "move")
    assert (user.unit_id == hanoi) is (winner == "move")


def test_the_account_audit_log_is_append_only(app, units, district_people):
    _merge(app)
    event = db.session.query(AccountEvent).first()
    with pytest.raises(Exception, match="(?i)append-only"):
        db.session.execute(db.update(AccountEvent).where(AccountEvent.id == event.id).values(detail="x"))
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AdminUnit, units["thach_that"].id).valid_to is not None
