"""Helpers for evaluation tests: set a round up and fill sheets through HTTP, as people would."""

from __future__ import annotations

import re
from decimal import Decimal

from ocop_app.evaluation import operations as ops
from ocop_app.extensions import db
from ocop_app.models import EvaluationRound, RoundProduct, ScoreSheet
from ocop_app.workflow import Role


def criteria_for(entry_id: int):
    """The criteria (with options) of a round product's sheet, read fresh."""
    db.session.rollback()
    entry = db.session.get(RoundProduct, entry_id)
    criteria = ops.criteria_of(entry.sheet_set)
    return criteria


def choose_for_total(criteria, target, *, floor_stars: int | None = 4, below: dict | None = None) -> dict:
    """Options (``{criterion id: option id}``) adding up to exactly ``target`` points.

    Every criterion gets at least its ``floor_stars`` minimum (so no minimum of that level is
    missed); ``below`` maps a criterion id to a ceiling (points) its option must stay under.
    Solved exactly by dynamic programming over half points.
    """
    below = below or {}
    allowed = []
    for c in criteria:
        floor = None
        if floor_stars is not None:
            marked = [o.points for o in c.options if o.min_stars is not None and o.min_stars <= floor_stars]
            floor = max(marked) if marked else None
        opts = [o for o in c.options
                if (floor is None or o.points >= floor or c.id in below)
                and (c.id not in below or o.points < below[c.id])]
        assert opts, c.code
        allowed.append((c, opts))
    goal = int(Decimal(str(target)) * 2)
    reach = {0: []}
    for c, opts in allowed:
        nxt = {}
        for total, picks in reach.items():
            for o in opts:
                t = total + int(o.points * 2)
                if t <= goal and t not in nxt:
                    nxt[t] = picks + [(c.id, o.id)]
        reach = nxt
    assert goal in reach, f"no combination reaches {target}"
    return dict(reach[goal])


def make_round(client, name="Đợt đánh giá thử 2026", rule_set="qd148-2023") -> int:
    r = client.post("/staff/evaluation/rounds/new", {"name": name, "starts_on": "01/07/2026",
                                                      "ends_on": "31/07/2026", "rule_set_code": rule_set})
    assert r.status_code == 303, r.get_data(as_text=True)[:800]
    return int(re.search(r"/rounds/(\d+)", r.headers["Location"]).group(1))


def add_member(client, round_id, user, role):
    r = client.post(f"/staff/evaluation/rounds/{round_id}/members", {"user_id": str(user.id), "role": role})
    assert r.status_code == 303, r.get_data(as_text=True)[:800]


def add_product(client, round_id, product) -> int:
    r = client.post(f"/staff/evaluation/rounds/{round_id}/products", {"product_id": str(product.id)})
    assert r.status_code == 303, r.get_data(as_text=True)[:800]
    db.session.rollback()
    entry = db.session.scalars(db.select(RoundProduct).where(RoundProduct.round_id == round_id,
                                                             RoundProduct.product_id == product.id)).one()
    entry_id = entry.id
    db.session.rollback()
    return entry_id


def sheet_url(round_id, entry_id):
    return f"/staff/evaluation/rounds/{round_id}/products/{entry_id}/sheet"


def submit(client, round_id, entry_id, choices: dict, action="submit", htmx=False, comment=""):
    data = {f"c{k}": str(v) for k, v in choices.items()}
    data.update(action=action, comment=comment)
    return client.post(sheet_url(round_id, entry_id), data, htmx=htmx)


def council(make_user, new_client, n_members=2, unit="thach_that", role=Role.DISTRICT_COUNCIL):
    """An organiser client and ``1 + n_members`` council users (the first is the chair), each with a client."""
    db.session.rollback()  # end the test thread's read snapshot before writing
    organiser = make_user(Role.DISTRICT_STAFF if role is Role.DISTRICT_COUNCIL else Role.CITY_STAFF, unit)
    users = [make_user(role, unit) for _ in range(1 + n_members)]
    org = new_client()
    org.login(organiser)
    people = []
    for user in users:
        c = new_client()
        c.login(user)
        people.append((user, c))
    return org, people


def setup_round(make_user, new_client, products, n_members=2):
    """A district round with a chair and ``n_members`` members holding ``products``.
    Returns ``(round_id, [entry ids], organiser client, [(user, client)…])``, chair first."""
    org, people = council(make_user, new_client, n_members)
    round_id = make_round(org)
    add_member(org, round_id, people[0][0], "chair")
    for user, _c in people[1:]:
        add_member(org, round_id, user, "member")
    entries = [add_product(org, round_id, p) for p in products]
    return round_id, entries, org, people


def sheet_of(round_id, entry_id, user) -> ScoreSheet:
    db.session.rollback()
    return db.session.scalars(db.select(ScoreSheet).where(ScoreSheet.round_product_id == entry_id,
                                                          ScoreSheet.member_id == user.id)).one()


def round_status(round_id) -> str:
    db.session.rollback()
    status = db.session.get(EvaluationRound, round_id).status
    db.session.rollback()
    return status


def close_round(client, round_id, version=None):
    """The chair presses "close the round" on the page they have: it carries the round's version."""
    if version is None:
        db.session.rollback()
        version = db.session.get(EvaluationRound, round_id).version
        db.session.rollback()
    return client.post(f"/staff/evaluation/rounds/{round_id}/close", {"version": str(version)})
