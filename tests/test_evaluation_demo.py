"""The demo round: a new user logs in as a council member of Thạch Thất and can score at once."""

from __future__ import annotations

import re

from sqlalchemy import select

from ocop_app import demo
from ocop_app.extensions import db
from ocop_app.models import EvaluationRound, Product


def test_demo_round_is_ready_to_score(app, new_client):
    demo.load()
    round_ = db.session.scalars(select(EvaluationRound).where(EvaluationRound.name == demo.DEMO_ROUND)).one()
    roles = {m.user.username: m.role for m in round_.members}
    assert roles == {"huyen.hoidong1": "chair", "huyen.hoidong2": "member", "huyen.hoidong3": "member",
                     "huyen.canbo": "advisor"}
    waiting = db.session.scalars(select(Product).where(
        Product.district_id == round_.unit_id, Product.stage == "upgraded", Product.status == "approved",
        Product.level == "district")).all()
    assert waiting and {e.product_id for e in round_.products} == {p.id for p in waiting}
    round_id = round_.id
    db.session.rollback()
    assert str(demo.load()) == "nothing new (demo data already loaded)"

    c = new_client()
    c.login("huyen.hoidong2", "ocop-demo")
    page = c.get("/staff/evaluation/").get_data(as_text=True)
    assert demo.DEMO_ROUND in page and "Phiếu chấm điểm đang chờ tôi" in page
    page = c.get(f"/staff/evaluation/rounds/{round_id}").get_data(as_text=True)
    entry_id = int(re.search(rf"/rounds/{round_id}/products/(\d+)", page).group(1))
    sheet = c.get(f"/staff/evaluation/rounds/{round_id}/products/{entry_id}/sheet").get_data(as_text=True)
    name, value = re.search(r'type="radio" name="(c\d+)" value="(\d+)"', sheet).groups()
    r = c.post(f"/staff/evaluation/rounds/{round_id}/products/{entry_id}/sheet", {name: value, "action": "save"})
    assert r.status_code == 303


def test_demo_round_holds_several_products_taken_there_by_the_workflow(app, new_client):
    """Two more Thạch Thất products of the real data go through the workflow's steps (accept, training,
    upgrade, send to evaluation) as the district's people would, so huyen.hoidong1 has three sheets to fill."""
    from ocop_app.models import StageEvent

    demo.load()
    round_ = db.session.scalars(select(EvaluationRound).where(EvaluationRound.name == demo.DEMO_ROUND)).one()
    names = sorted(e.product.name for e in round_.products)
    assert len(names) == 3 and set(demo.TO_EVALUATION) <= set(names)
    moved = db.session.scalars(select(Product).where(Product.name == "Rau hữu cơ Đại Ngàn (rau, củ quả)")).one()
    steps = [(e.action, e.actor.username if e.actor else None) for e in db.session.scalars(
        select(StageEvent).where(StageEvent.product_id == moved.id).order_by(StageEvent.id))]
    assert steps == [("import", None), ("commune_sign_off", f"xa.{moved.commune.slug}.duyet"),
                     ("district_accept", "huyen.duyet"), ("record_training", "huyen.canbo"),
                     ("confirm_training", "huyen.duyet"), ("record_upgrade", "huyen.canbo"),
                     ("send_to_evaluation", "huyen.duyet")]
    round_id = round_.id
    counts = {m.__tablename__: db.session.query(m).count() for m in (Product, StageEvent, EvaluationRound)}
    db.session.rollback()
    assert str(demo.load()) == "nothing new (demo data already loaded)"
    assert {m.__tablename__: db.session.query(m).count() for m in (Product, StageEvent, EvaluationRound)} == counts
    db.session.rollback()

    c = new_client()
    c.login("huyen.hoidong1", "ocop-demo")
    page = c.get("/staff/evaluation/").get_data(as_text=True)
    todo = re.search(r'id="todo-heading".*?</ul>', page, re.S).group(0)
    assert sorted(re.findall(r'/sheet">([^<]+)</a>', todo)) == names
    for entry_id in re.findall(r"/products/(\d+)/sheet", todo):
        assert c.get(f"/staff/evaluation/rounds/{round_id}/products/{entry_id}/sheet").status_code == 200
