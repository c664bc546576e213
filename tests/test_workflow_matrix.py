"""Every role × scope × state × transition: allowed, 403 or 404 — and nothing changes on refusal."""

from __future__ import annotations

import pytest

from conftest import SCOPE_UNITS, satisfy_guards, snapshot
from conftest import SCOPE_UNITS, closed_round_with, snapshot
from ocop_app import workflow
from ocop_app.workflow import Level, Role, Stage, Status, TRANSITIONS

WORKFLOW_ROLES = [r for r in Role if r is not Role.ADMIN]

#: Every state some transition starts from, plus terminal states.
ALL_STATES = sorted(
    {(t.source_stage, s, t.level) for t in TRANSITIONS for s in t.source_statuses}
    | {t.target for t in TRANSITIONS}
)


def _setup_for(t):
    """Stars/score that make a transition's star guards hold."""
    if t.name == "close_not_recognised":
        return {"stars": 2, "score": 45}
    if t.name in ("propose_to_city", "confirm_ranking"):
        return {"stars": 4, "score": 75}
    return {}


ROUND_STEPS = {"finalise_evaluation": "scored", "council_disqualify": "disqualified",
               "city_council_result": "scored", "city_council_disqualify": "disqualified"}
_cert = {"n": 0}


def _data(t, version):
    data = {"version": str(version)}
    if t.needs_reason:
        data["reason"] = "Hồ sơ thiếu giấy tờ"
    if t.needs_certificate:
        _cert["n"] += 1
        data.update(decision_no="123/QĐ-UBND", signed_on="15/07/2026", certificate_no=f"OCOP-HN-{_cert['n']:04d}")
    return data


def _prepare(t, product, user, make_user):
    """For the steps a closed evaluation round takes: a closed round holding the product's
    result, chaired by ``user`` when ``user`` may chair it (else by another council member,
    so that a refusal is due to role or scope, not to a missing round)."""
    if t.name not in ROUND_STEPS:
        return
    council_role = sorted(t.roles)[0]
    unit_id = product.district_id if t.level is Level.DISTRICT else product.city_id
    may_chair = Role(user.role) is council_role and user.unit_id == unit_id
    chair = user if may_chair else make_user(council_role, SCOPE_UNITS[t.level][0])
    closed_round_with(product, chair, ROUND_STEPS[t.name], t.level)


@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: t.name)
def test_roles_and_scope(transition, client, make_user, make_product, new_client):
    """For the transition's own source state: the right role in scope succeeds; every other role
    gets 403; any role out of scope gets 404; refusals change nothing."""
    status = sorted(transition.source_statuses)[0]
    for role in WORKFLOW_ROLES:
        for in_scope in (True, False):
            other = make_user(Role.COMMUNE_STAFF)  # someone else did the previous step
            product = make_product(transition.source_stage, status, transition.level,
                                   last_actor=other, **_setup_for(transition))
            satisfy_guards(product, transition.name)
            user = make_user(role, SCOPE_UNITS[role.level][0 if in_scope else 1])
            _prepare(transition, product, user, make_user)
            c = new_client()
            c.login(user)
            before = snapshot(product.id)
            response = c.post(f"/staff/products/{product.id}/actions/{transition.name}",
                              _data(transition, product.version))
            if not in_scope:
                expected = 404
            elif role in transition.roles:
                expected = 303
            else:
                expected = 403
            assert response.status_code == expected, (role, in_scope, response.get_data(as_text=True)[:300])
            after = snapshot(product.id)
            if expected == 303:
                target = transition.target
                assert after[:3] == (target[0].value, target[1].value, target[2].value)
                assert after[-1] == before[-1] + 1  # exactly one event
            else:
                assert after == before


@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: t.name)
def test_wrong_state_is_refused(transition, make_user, make_product, new_client):
    """The right role, in scope, in every state the step does not start from: 403, nothing changes."""
    role = sorted(transition.roles)[0]
    user = make_user(role)
    c = new_client()
    c.login(user)
    other = make_user(Role.COMMUNE_STAFF)
    for stage, status, level in ALL_STATES:
        if transition.starts_from(stage, status, level):
            continue
        product = make_product(stage, status, level, last_actor=other, **_setup_for(transition))
        before = snapshot(product.id)
        response = c.post(f"/staff/products/{product.id}/actions/{transition.name}", _data(transition, product.version))
        assert response.status_code == 403, (stage, status, level)
        assert snapshot(product.id) == before


@pytest.mark.parametrize("transition", [t for t in TRANSITIONS if workflow.NOT_OWN_STEP in t.guards],
                         ids=lambda t: t.name)
def test_nobody_signs_off_their_own_step(transition, make_user, make_product, new_client):
    role = sorted(transition.roles)[0]
    user = make_user(role)
    product = make_product(transition.source_stage, sorted(transition.source_statuses)[0], transition.level,
                           last_actor=user, **_setup_for(transition))
    c = new_client()
    c.login(user)
    before = snapshot(product.id)
    response = c.post(f"/staff/products/{product.id}/actions/{transition.name}", _data(transition, product.version))
    assert response.status_code == 403
    assert "another person must sign it off" in response.get_data(as_text=True) or \
        "người khác phải phê duyệt" in response.get_data(as_text=True)
    assert snapshot(product.id) == before


@pytest.mark.parametrize("transition", [t for t in TRANSITIONS if t.needs_reason], ids=lambda t: t.name)
def test_return_reject_withdraw_need_a_reason(transition, make_user, make_product, new_client):
    role = sorted(transition.roles)[0]
    product = make_product(transition.source_stage, sorted(transition.source_statuses)[0], transition.level,
                           last_actor=make_user(Role.COMMUNE_STAFF))
    user = make_user(role)
    _prepare(transition, product, user, make_user)
    c = new_client()
    c.login(user)
    before = snapshot(product.id)
    for reason in ("", "   "):
        response = c.post(f"/staff/products/{product.id}/actions/{transition.name}",
                          {"version": product.version, "reason": reason})
        assert response.status_code == 422
        assert "Cần nêu lý do" in response.get_data(as_text=True)
        assert snapshot(product.id) == before


def test_admin_cannot_take_workflow_steps(make_user, make_product, new_client):
    product = make_product(Stage.REGISTERED, Status.AWAITING, Level.COMMUNE)
    c = new_client()
    c.login(make_user(Role.ADMIN))
    before = snapshot(product.id)
    assert c.get(f"/staff/products/{product.id}").status_code == 200  # the admin sees everything
    response = c.post(f"/staff/products/{product.id}/actions/commune_sign_off", {"version": product.version})
    assert response.status_code == 403
    assert snapshot(product.id) == before


def test_unknown_action_is_404(make_user, make_product, new_client):
    product = make_product()
    c = new_client()
    c.login(make_user(Role.COMMUNE_STAFF))
    assert c.post(f"/staff/products/{product.id}/actions/teleport", {"version": product.version}).status_code == 404
