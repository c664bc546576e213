"""The public register in real headless Chromium: axe-core (WCAG 2.2 AA) on every public page,
keyboard-only use, a 360 px phone, and htmx filtering with shareable URLs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from ocop_app.public.register import local_today
from ocop_app.workflow import Level, Stage, Status
from test_browser import browser, live_server  # noqa: F401  (fixtures)
from test_public_register import certify

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent.parent / "static/vendor/axe-core-4.11.0.min.js"
RANKED = (Stage.RANKED, Status.APPROVED, Level.CITY)
TODAY = local_today()


@pytest.fixture
def register(make_product, units):
    p = {
        "banh": make_product(*RANKED, stars=4, score=80, name="Bánh chưng Tranh Khúc", product_set_no=6),
        "dau": make_product(*RANKED, stars=4, score=72, name="Đậu phụ Mơ", product_set_no=8, commune_key="binh_phu"),
        "gom": make_product(*RANKED, stars=5, score=91, name="Gốm Bát Tràng", product_set_no=21),
        "nem": make_product(*RANKED, stars=3, score=60, name="Nem chua", product_set_no=7, commune_key="sai_son"),
    }
    for i in range(50):  # enough for three pages
        make_product(*RANKED, stars=3, score=55, name=f"Miến dong {i:02d}", product_set_no=6)
    certify(p["banh"], number="01/GCN-OCOP")
    certify(p["dau"], number="02/GCN-OCOP", signed_on=TODAY - dt.timedelta(days=1200),
            valid_until=TODAY - dt.timedelta(days=5))
    certify(p["gom"], number="03/GCN-OCOP", revoked_on=TODAY)
    return p


def _axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values:
            ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}, resultTypes: ['violations']});
        return JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})));
    }""")
    return json.loads(result)


def _pages(register, units):
    return {
        "home": "/",
        "filtered list": f"/?stars=4&city={units['hanoi'].id}&district={units['thach_that'].id}&sort=name",
        "search": "/?q=banh+chung",
        "product (valid)": f"/p/{register['banh'].id}",
        "product (expired)": f"/p/{register['dau'].id}",
        "certificate check": "/certificate?no=02/GCN-OCOP",
        "certificate not found": "/certificate?no=99/GCN-BIA",
        "open data": "/open-data",
    }


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_axe_finds_no_violations_and_pages_fit_a_phone(live_server, browser, register, units, lang):
    for width in (1280, 360):
        # bypass_csp: only so that axe (injected from the vendored file) may run; the app's own
        # pages need nothing inline (the CSP is enforced in every other browser test).
        context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
        if lang == "en":
            context.add_cookies([{"name": "lang", "value": "en", "url": live_server}])
        page = context.new_page()
        outside = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server) else None)
        for name, path in _pages(register, units).items():
            page.goto(live_server + path)
            assert page.locator("html").get_attribute("lang") == lang
            if width == 1280:
                assert _axe(page) == [], name
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, (name, width, scroll)
        assert outside == []
        context.close()


def test_keyboard_only_search_filter_and_open_a_product(live_server, browser, register):
    context = browser.new_context(viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    # From the main content, Tab reaches the search box; typing filters in place (htmx).
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("dau phu")
    page.wait_for_url(lambda url: url.endswith("/?q=dau+phu") or url.endswith("/?q=dau%20phu"))
    page.locator("#results").get_by_text("Nem chua").wait_for(state="detached")
    assert page.evaluate("document.activeElement.id") == "q"  # focus stays where the user is typing
    # Tab on to the result and open it with Enter.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Đậu phụ Mơ":
            break
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/p/{register['dau'].id}")
    assert "đã hết hiệu lực" in page.content()
    # Every focusable element shows a focus outline.
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    context.close()


def test_filters_combine_push_a_shareable_url_and_back_restores(live_server, browser, register, units):
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server + "/")
    page.select_option("#city", str(units["hanoi"].id))
    page.wait_for_url(f"**city={units['hanoi'].id}**")
    # Choosing the city brought its districts (out-of-band swap), then the district its communes.
    page.select_option("#district", str(units["thach_that"].id))
    page.wait_for_url(f"**district={units['thach_that'].id}**")
    page.select_option("#commune", str(units["binh_phu"].id))
    page.wait_for_url(f"**commune={units['binh_phu'].id}**")
    page.locator("#results").get_by_text("Bánh chưng Tranh Khúc").wait_for(state="detached")
    assert page.locator("#results h3").all_inner_texts() == ["Đậu phụ Mơ"]
    shared = page.url
    other = context.new_page()  # someone opens the shared link
    other.goto(shared)
    assert other.locator("#results h3").all_inner_texts() == ["Đậu phụ Mơ"]
    assert other.locator("#commune").input_value() == str(units["binh_phu"].id)
    page.go_back()
    page.wait_for_url(f"**district={units['thach_that'].id}")
    page.locator("#results").get_by_text("Bánh chưng Tranh Khúc").wait_for()
    assert page.locator("header.site-header").count() == 1
    page.reload()
    assert page.locator("header.site-header").count() == 1
    context.close()


def test_pages_move_forward_and_to_the_last_page(live_server, browser, register):
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server + "/?sort=name")
    first = page.locator("#results h3").all_inner_texts()
    page.get_by_role("link", name="Trang cuối ›").click()
    page.wait_for_url("**last=1**")
    last = page.locator("#results h3").all_inner_texts()
    assert last[-1] == "Nem chua" and set(first).isdisjoint(last)
    page.get_by_role("link", name="‹ Trang đầu").click()
    page.wait_for_url("**/?sort=name")
    assert page.locator("#results h3").all_inner_texts() == first
    context.close()
