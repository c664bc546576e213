"""A council member scoring in real headless Chromium: totals update in place; minutes print."""

from __future__ import annotations

import os

import pytest

from evaluation_support import choose_for_total, close_round, criteria_for, setup_round, sheet_of, sheet_url, submit
from ocop_app.workflow import Level, Stage, Status
from test_browser import _login, browser, live_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOT_DIR")


def test_choosing_options_updates_the_totals_in_place_and_saves_the_draft(live_server, browser, make_user,  # noqa: F811
                                                                         make_product, new_client):
    product = make_product(Stage.UPGRADED, Status.APPROVED, Level.DISTRICT, name="Chè lam Thạch Xá")
    round_id, (entry_id,), org, people = setup_round(make_user, new_client, [product])
    member = people[1][0]
    criteria = criteria_for(entry_id)
    context = browser.new_context()
    page = context.new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server) else None)
    _login(page, live_server, member.username)
    page.goto(live_server + sheet_url(round_id, entry_id))
    page.evaluate("window.__marker = 7")  # survives only if the page is not reloaded
    assert page.locator("#grand-total").inner_text() == "0"
    picks = [(c, max(c.options, key=lambda o: o.points)) for c in criteria[:3]]
    expected = 0
    for c, option in picks:
        expected += option.points
        page.locator(f'input[name="c{c.id}"][value="{option.id}"]').check()
        text = f"{expected:f}".rstrip("0").rstrip(".").replace(".", ",")
        page.locator("#grand-total").filter(has_text=text).wait_for()
    page.locator("#sheet-totals .saved").wait_for()
    part = criteria[0].group.part.code
    assert page.locator(f"#part-{part}").inner_text() != "0"
    assert page.evaluate("window.__marker") == 7
    saved = sheet_of(round_id, entry_id, member)
    assert {ch.criterion_id: ch.option_id for ch in saved.choices} == {c.id: o.id for c, o in picks}
    assert saved.status == "draft"
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/sheet.png", full_page=False)
    assert outside == []
    context.close()


def test_the_sheet_works_without_javascript(live_server, browser, make_user, make_product, new_client):  # noqa: F811
    product = make_product(Stage.UPGRADED, Status.APPROVED, Level.DISTRICT)
    round_id, (entry_id,), org, people = setup_round(make_user, new_client, [product])
    member = people[2][0]
    criteria = criteria_for(entry_id)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _login(page, live_server, member.username)
    page.goto(live_server + sheet_url(round_id, entry_id))
    c = criteria[0]
    option = max(c.options, key=lambda o: o.points)
    page.locator(f'input[name="c{c.id}"][value="{option.id}"]').check()
    page.get_by_role("button", name="Lưu nháp").click()
    page.get_by_text("Đã lưu bản nháp").first.wait_for()
    total = f"{option.points:f}".rstrip("0").rstrip(".").replace(".", ",")
    assert page.locator("#grand-total").inner_text() == total
    context.close()


def test_minutes_print_cleanly(live_server, browser, make_user, make_product, new_client):  # noqa: F811
    product = make_product(Stage.UPGRADED, Status.APPROVED, Level.DISTRICT, name="Bánh gai Thạch Xá")
    round_id, (entry_id,), org, people = setup_round(make_user, new_client, [product])
    criteria = criteria_for(entry_id)
    for (user, client), total in zip(people, (72, 75, 68)):
        assert submit(client, round_id, entry_id, choose_for_total(criteria, total)).status_code == 303
    assert close_round(people[0][1], round_id).status_code == 303
    context = browser.new_context()
    page = context.new_page()
    _login(page, live_server, people[0][0].username)
    page.goto(f"{live_server}/staff/evaluation/rounds/{round_id}/minutes")
    assert page.locator("header.site-header").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header.site-header").is_visible()
    assert not page.locator(".no-print").is_visible()
    assert page.locator(".signatures").is_visible() and "71,67" in page.locator(".minutes-table").inner_text()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/minutes-print.png", full_page=True)
    context.close()
