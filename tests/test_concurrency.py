"""Concurrent actions on one product: one wins, the others are told, nothing is done twice."""

from __future__ import annotations


from conftest import at_once, satisfy_guards, snapshot
from ocop_app.workflow import Level, Role, Stage, Status


def _post_at_once(clients, url, data):
    """Every client posts ``data(client)`` to ``url`` at the same instant; their status codes."""
    return [r.status_code for r in at_once([lambda c=c: c.raw.post(url, data=data(c)) for c in clients])]


def test_two_district_approvers_confirm_at_once(make_user, make_product, new_client):
    product = make_product(Stage.TRAINED, Status.AWAITING, Level.DISTRICT, last_actor=make_user(Role.DISTRICT_STAFF))
    satisfy_guards(product, "confirm_training")
    clients = []
    for _ in range(2):
        c = new_client()
        c.login(make_user(Role.DISTRICT_APPROVER))
        c.token()
        clients.append(c)
    before = snapshot(product.id)
    url = f"/staff/products/{product.id}/actions/confirm_training"
    codes = _post_at_once(clients, url, lambda c: {"version": before[5], "csrf_token": c.token()})
    assert sorted(codes) == [303, 409]
    after = snapshot(product.id)
    assert after[:3] == ("trained", "approved", "district")
    assert after[-1] == before[-1] + 1  # exactly one event


def test_many_parallel_confirmations(make_user, make_product, new_client):
    product = make_product(Stage.REGISTERED, Status.AWAITING, Level.DISTRICT)
    clients = []
    for _ in range(12):
        c = new_client()
        c.login(make_user(Role.DISTRICT_APPROVER))
        c.token()
        clients.append(c)
    before = snapshot(product.id)
    codes = _post_at_once(clients, f"/staff/products/{product.id}/actions/district_accept",
                  lambda c: {"version": before[5], "csrf_token": c.token()})
    assert codes.count(303) == 1 and codes.count(409) == 11, codes
    assert snapshot(product.id)[-1] == before[-1] + 1


def test_stale_form_is_refused_with_current_state(make_user, make_product, new_client):
    product = make_product(Stage.REGISTERED, Status.AWAITING, Level.COMMUNE)
    a, b = new_client(), new_client()
    a.login(make_user(Role.COMMUNE_APPROVER))
    b.login(make_user(Role.COMMUNE_APPROVER))
    version = product.version
    assert a.post(f"/staff/products/{product.id}/actions/commune_sign_off", {"version": version}).status_code == 303
    before = snapshot(product.id)
    r = b.post(f"/staff/products/{product.id}/actions/commune_return", {"version": version, "reason": "x"})
    assert r.status_code == 409
    assert "người khác thay đổi" in r.get_data(as_text=True)
    assert snapshot(product.id) == before


def test_a_double_click_on_register_opens_one_dossier(make_user, new_client):
    """Two identical registrations at once (a double click, or two tabs) make one draft; the other
    is told, in Vietnamese, with what was typed kept. A product of the same name that is already
    ranked does not block a new passage."""
    from ocop_app.extensions import db
    from ocop_app.models import Product

    staff = make_user(Role.COMMUNE_STAFF)
    tabs = []
    for _ in range(2):
        c = new_client()
        c.login(staff)
        c.token()
        tabs.append(c)
    form = {"name": "Mật ong Thạch Xá", "product_set_no": "7", "producer_name": "HTX Ong Thạch Xá",
            "producer_type": "cooperative", "registration_no": "", "description": "Mật ong rừng"}
    codes = _post_at_once(tabs, "/staff/products/new", lambda c: {**form, "csrf_token": c.token()})
    assert sorted(codes) == [303, 422]
    db.session.rollback()
    assert db.session.query(Product).filter(Product.name == "Mật ong Thạch Xá").count() == 1
    again = tabs[0].post("/staff/products/new", {**form, "name": "mat ong thach xa"})
    body = again.get_data(as_text=True)
    assert again.status_code == 422 and "đã có hồ sơ của sản phẩm này" in body and "mat ong thach xa" in body
    db.session.rollback()
    db.session.query(Product).filter(Product.name == "Mật ong Thạch Xá").update({"stage": "ranked",
                                                                                 "status": "approved"})
    db.session.commit()
    assert tabs[1].post("/staff/products/new", form).status_code == 303
