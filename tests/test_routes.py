"""Deny by default: every route declares who may use it."""

from __future__ import annotations

import re

from ocop_app.permissions import policy_of


def test_every_route_declares_an_access_policy(app):
    missing = [
        rule.endpoint for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and policy_of(app.view_functions[rule.endpoint]) is None
    ]
    assert missing == []


def test_a_route_without_a_policy_is_refused(app, client):
    app.add_url_rule("/undeclared", "undeclared", lambda: "secret")
    assert client.get("/undeclared").status_code == 403


def test_staff_pages_need_login(app, client):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        policy = policy_of(view)
        if policy is None or policy.public or "GET" not in rule.methods:
            continue
        url = re.sub(r"<int:\w+>", "1", rule.rule)
        r = client.get(url)
        assert r.status_code in (302, 401), url


def test_an_id_larger_than_the_database_holds_is_a_404(client):
    """A URL id past 32 bits is refused by the router, never handed to the database (no 500)."""
    assert client.get("/p/99999999999999999999").status_code == 404
    assert client.get("/p/2147483648").status_code == 404


def test_the_typed_login_address_leads_to_the_sign_in_page(client):
    r = client.get("/login?next=/staff/queue")
    assert r.status_code == 301 and r.headers["Location"].endswith("/auth/login?next=/staff/queue")
    page = client.get("/login", follow_redirects=True)
    assert page.status_code == 200 and 'id="password"' in page.get_data(as_text=True)
