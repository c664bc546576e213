"""Every role × scope × state × transition × chain of levels: allowed, 403 or 404 — and nothing
changes on refusal. Each transition is tried under a rule set of every chain it applies to
(three levels: QĐ 148/2023; two levels: QĐ 26/2026) and refused under the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SCOPE_UNITS, closed_round_with, satisfy_guards, snapshot
from ocop_app import rules, workflow
from ocop_app.workflow import THREE_LEVELS, TWO_LEVELS, Level, Role, Stage, Status, TRANSITIONS

WORKFLOW_ROLES = [r for r in Role if r is not Role.ADMIN]

#: A rule set of each chain of levels.
CHAIN_RULE_SET = {THREE_LEVELS: "qd148-2023", TWO_LEVELS: "qd26-2026"}

#: (transition, rule set code) for every chain each transition applies to.
CASES = [(t, CHAIN_RULE_SET[c]) for t in TRANSITIONS for c in CHAIN_RULE_SET if t.applies_to(c) and
         (t.chains is None or c in t.chains)]
#: (transition, rule set code) for every chain a transition does NOT apply to.
OTHER_CHAIN = [(t, CHAIN_RULE_SET[c]) for t in TRANSITIONS for c in CHAIN_RULE_SET
               if t.chains is not None and c not in t.chains]


def _id(case):
    return f"{case[0].name}-{case[1]}"


def _states(chain):
    """Every state some transition of ``chain`` starts from, plus their targets."""
    ts = [t for t in TRANSITIONS if t.applies_to(chain)]
    return sorted({(t.source_stage, s, t.level) for t in ts for s in t.source_statuses} | {t.target for t in ts})


ALL_STATES = _states(None)


def _setup_for(t):
    """Stars/score that make a transition's star guards hold."""
    if t.name in ("close_not_recognised", "city_close_not_recognised"):
        return {"stars": 2, "score": 45}
    if t.name in ("propose_to_city", "confirm_ranking", "city_confirm_ranking"):
        return {"stars": 4, "score": 75}
    if t.name == "district_confirm_ranking":  # QĐ 148/2023: the district recognises ★3
        return {"stars": 3, "score": 62}
    return {}


def _data(t, version):
    data = {"version": str(version)}
    if t.needs_reason:
        data["reason"] = "Hồ sơ thiếu giấy tờ"
    if t.needs_certificate:
        _cert["n"] += 1
        data.update(decision_no="123/QĐ-UBND", signed_on="15/07/2026", certificate_no=f"OCOP-HN-{_cert['n']:04d}")
    return data


ROUND_STEPS = {"finalise_evaluation": "scored", "council_disqualify": "disqualified",
               "city_council_result": "scored", "city_council_disqualify": "disqualified",
               "city_finalise_evaluation": "scored", "city_finalise_disqualify": "disqualified"}
_cert = {"n": 0}


def _prepare(t, product, user, make_user):
    """For the steps a closed evaluation round takes: a closed round holding the product's
    result, chaired by ``user`` when ``user`` may chair it (else by another council member,
    so that a refusal is due to role or scope, not to a missing round). Other data-dependent
    guards (training, upgrade plan, dossier) are satisfied too."""
    satisfy_guards(product, t.name)
    if t.name not in ROUND_STEPS:
        return
    council_role = sorted(t.roles)[0]
    unit_id = product.district_id if t.level is Level.DISTRICT else product.city_id
    may_chair = Role(user.role) is council_role and user.unit_id == unit_id
    chair = user if may_chair else make_user(council_role, SCOPE_UNITS[t.level][0])
    closed_round_with(product, chair, ROUND_STEPS[t.name], t.level)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_roles_and_scope(case, client, make_user, make_product, new_client):
    """For the transition's own source state: the right role in scope succeeds; every other role
    gets 403; any role out of scope gets 404; refusals change nothing."""
    transition, rule_set = case
    status = sorted(transition.source_statuses)[0]
    for role in WORKFLOW_ROLES:
        for in_scope in (True, False):
            other = make_user(Role.COMMUNE_STAFF)  # someone else did the previous step
            product = make_product(transition.source_stage, status, transition.level,
                                   last_actor=other, rule_set_code=rule_set, **_setup_for(transition))
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


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_wrong_state_is_refused(case, make_user, make_product, new_client):
    """The right role, in scope, in every state the step does not start from: 403, nothing changes."""
    transition, rule_set = case
    role = sorted(transition.roles)[0]
    user = make_user(role)
    c = new_client()
    c.login(user)
    other = make_user(Role.COMMUNE_STAFF)
    for stage, status, level in _states(rules.get(rule_set).levels):
        if transition.starts_from(stage, status, level):
            continue
        product = make_product(stage, status, level, last_actor=other, rule_set_code=rule_set,
                               **_setup_for(transition))
        before = snapshot(product.id)
        response = c.post(f"/staff/products/{product.id}/actions/{transition.name}", _data(transition, product.version))
        assert response.status_code == 403, (stage, status, level)
        assert snapshot(product.id) == before


@pytest.mark.parametrize("case", [c for c in CASES if workflow.NOT_OWN_STEP in c[0].guards], ids=_id)
def test_nobody_signs_off_their_own_step(case, make_user, make_product, new_client):
    transition, rule_set = case
    role = sorted(transition.roles)[0]
    user = make_user(role)
    product = make_product(transition.source_stage, sorted(transition.source_statuses)[0], transition.level,
                           last_actor=user, rule_set_code=rule_set, **_setup_for(transition))
    c = new_client()
    c.login(user)
    before = snapshot(product.id)
    response = c.post(f"/staff/products/{product.id}/actions/{transition.name}", _data(transition, product.version))
    assert response.status_code == 403
    assert "another person must sign it off" in response.get_data(as_text=True) or \
        "người khác phải phê duyệt" in response.get_data(as_text=True)
    assert snapshot(product.id) == before


@pytest.mark.parametrize("case", [c for c in CASES if c[0].needs_reason], ids=_id)
def test_return_reject_withdraw_need_a_reason(case, make_user, make_product, new_client):
    transition, rule_set = case
    role = sorted(transition.roles)[0]
    product = make_product(transition.source_stage, sorted(transition.source_statuses)[0], transition.level,
                           last_actor=make_user(Role.COMMUNE_STAFF), rule_set_code=rule_set)
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


@pytest.mark.parametrize("case", OTHER_CHAIN, ids=_id)
def test_a_step_of_another_chain_is_refused(case, make_user, make_product, new_client):
    """A three-level step on a product under QĐ 26/2026 (or a two-level step under QĐ 148/2023),
    from its own source state, by the right role in scope: 403, nothing changes."""
    transition, rule_set = case
    product = make_product(transition.source_stage, sorted(transition.source_statuses)[0], transition.level,
                           last_actor=make_user(Role.COMMUNE_STAFF), rule_set_code=rule_set,
                           **_setup_for(transition))
    c = new_client()
    c.login(make_user(sorted(transition.roles)[0]))
    before = snapshot(product.id)
    response = c.post(f"/staff/products/{product.id}/actions/{transition.name}", _data(transition, product.version))
    assert response.status_code == 403
    assert snapshot(product.id) == before


def test_chains_are_complete():
    """Every district-level state of the three-level chain has a city-level twin in the two-level
    chain (so a product re-routed when the district level ended always has a next step)."""
    three = {(t.source_stage, s, t.level) for t in TRANSITIONS if t.applies_to(THREE_LEVELS) and
             (t.chains is None or THREE_LEVELS in t.chains) for s in t.source_statuses}
    two = {(t.source_stage, s, t.level) for t in TRANSITIONS if t.applies_to(TWO_LEVELS) and
           (t.chains is None or TWO_LEVELS in t.chains) for s in t.source_statuses}
    for stage, status, level in three:
        twin = (stage, status, Level.CITY if level is Level.DISTRICT else level)
        assert twin in two, twin


def test_the_readme_workflow_table_is_the_declared_workflow():
    """Tester finding 11: README's table lacked ``district_confirm_ranking`` (QĐ 148/2023: the district
    recognises ★3). The table is what ``flask --app ocop_app workflow`` prints, so it cannot drift."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    lines = readme.split("### Workflow", 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| step |"))
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("|"))
    table = lines[start:end]
    steps = {line.split("|")[1].strip() for line in table[2:]}
    missing = [t.name for t in TRANSITIONS if t.name not in steps]
    assert not missing, f"README's workflow table lacks {missing}: paste `flask --app ocop_app workflow` there"
    assert "\n".join(table) == workflow.as_table(), "README's table is stale: paste `flask --app ocop_app workflow`"
