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
