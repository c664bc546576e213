"""Real Chromium: a script stored in a product name never runs — on full pages or htmx-swapped fragments."""

from __future__ import annotations

import pytest

from ocop_app.workflow import Level, Role, Stage, Status
from test_browser import _login, browser, live_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

PAYLOAD = ('Mật ong <img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
           '<svg onload="window.__xss=3"></svg>{{7*7}}')


def test_an_xss_payload_in_a_product_name_does_not_run(live_server, browser, make_user, make_product):  # noqa: F811
    ranked = make_product(Stage.RANKED, Status.APPROVED, Level.CITY, stars=4, score=80, name=PAYLOAD)
    context = browser.new_context()
    page = context.new_page()
    dialogs, violations = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)

    def assert_not_run(where):
        assert page.evaluate("window.__xss") is None, where
        assert dialogs == [], where

    page.goto(f"{live_server}/p/{ranked.id}")
    page.get_by_text("onerror=", exact=False).first.wait_for()  # shown as text
    assert_not_run("public product page")
    page.goto(f"{live_server}/")
    assert_not_run("public register")

    _login(page, live_server, make_user(Role.CITY_STAFF).username)
    page.goto(f"{live_server}/staff/products/{ranked.id}")
    assert "{{7*7}}" in page.content()
    assert_not_run("staff product page")
    page.goto(f"{live_server}/staff/products")
    page.evaluate("window.__marker = 1")
    page.fill("#q", "mat ong")
    page.press("#q", "Enter")  # htmx swaps the results fragment in (no page load)
    page.wait_for_url("**q=mat%20ong**")
    assert page.evaluate("window.__marker") == 1
    page.locator("#results").get_by_text("onerror=", exact=False).first.wait_for()
    assert_not_run("htmx results fragment")
    context.close()
