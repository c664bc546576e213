"""Full pages and htmx fragments come from the same templates, chosen by the HX-Request header."""

from __future__ import annotations

from conftest import snapshot
from ocop_app.workflow import Role


def test_list_gives_fragment_to_htmx_and_page_otherwise(make_user, make_product, client):
    make_product(name="Bánh chưng Thạch Xá")
    client.login(make_user(Role.COMMUNE_STAFF))
    page = client.get("/staff/products?q=banh")
    fragment = client.get("/staff/products?q=banh", htmx=True)
    assert page.status_code == fragment.status_code == 200
    assert "<html" in page.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith('<section id="results"')
    assert "Bánh chưng Thạch Xá" in body
    assert "HX-Request" in page.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]


def test_history_restore_and_boosted_requests_get_the_full_page(make_user, client):
    client.login(make_user(Role.COMMUNE_STAFF))
    for extra in ({"HX-History-Restore-Request": "true"}, {"HX-Boosted": "true"}):
        r = client.get("/staff/products", headers={"HX-Request": "true", **extra})
        assert "<html" in r.get_data(as_text=True)


def test_action_swaps_status_panel_and_refreshes_queue(make_user, make_product, client):
    staff = make_user(Role.COMMUNE_STAFF)
    product = make_product(last_actor=None)
    client.login(staff)
    r = client.post(f"/staff/products/{product.id}/actions/submit", {"version": product.version}, htmx=True)
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="status-panel"')
    assert 'hx-swap-oob="true"' in body and "Đã thực hiện" in body
    assert r.headers["HX-Trigger"] == "queueChanged"
    assert snapshot(product.id)[:3] == ("registered", "awaiting", "commune")


def test_htmx_validation_error_is_422_fragment(make_user, make_product, client):
    product = make_product("registered", "awaiting", "commune")
    client.login(make_user(Role.COMMUNE_APPROVER))
    r = client.post(f"/staff/products/{product.id}/actions/commune_reject", {"version": product.version, "reason": ""},
                    htmx=True)
    assert r.status_code == 422
    assert r.get_data(as_text=True).lstrip().startswith('<section id="status-panel"')


def test_logged_out_htmx_request_gets_hx_redirect(client):
    r = client.get("/staff/products", htmx=True)
    assert r.status_code == 401
    assert r.headers["HX-Redirect"].startswith("/auth/login")
    r = client.get("/staff/products")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]


def test_htmx_post_without_csrf_is_refused(make_user, make_product, client):
    product = make_product()
    client.login(make_user(Role.COMMUNE_STAFF))
    before = snapshot(product.id)
    r = client.post(f"/staff/products/{product.id}/actions/submit", {"version": product.version}, htmx=True, csrf=False)
    assert r.status_code == 400
    assert snapshot(product.id) == before
