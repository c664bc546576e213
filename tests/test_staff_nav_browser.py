"""The staff navigation in real headless Chromium: grouped links (details/summary) that work by
keyboard alone, without JavaScript, on a phone, and pass axe-core (WCAG 2.2 AA) open and closed."""

from __future__ import annotations

import pytest

from ocop_app.workflow import Role
from test_browser import _login, browser, live_server  # noqa: F401  (fixtures)
from test_public_browser import _axe

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False])
def test_grouped_staff_menu_by_keyboard_axe_clean_and_without_javascript(
        live_server, browser, make_user, javascript):
    admin = make_user(Role.ADMIN, username="admin.nav")
    for width in (1280, 360):
        context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True,
                                      java_script_enabled=javascript)
        page = context.new_page()
        _login(page, live_server, admin.username)
        page.goto(f"{live_server}/staff/products")
        nav = page.locator("nav.main-nav")
        top = nav.locator(":scope > ul > li > a")
        assert top.count() <= 3  # the daily links; everything else is in a group
        groups = nav.locator("details.nav-group")
        assert [groups.nth(i).locator("summary").inner_text() for i in range(groups.count())] == \
            ["Chương trình", "Quản trị", "Trang công khai"]
        assert not nav.get_by_role("link", name="Tài khoản của đơn vị đã kết thúc").is_visible()
        if javascript:  # axe needs script; it runs on the closed and the opened menu
            assert _axe(page) == []
        # Keyboard only: Tab to the "Quản trị" group, open it with Enter, Tab into it, follow a link.
        summary = groups.nth(1).locator("summary")
        for _ in range(30):
            page.keyboard.press("Tab")
            if summary.evaluate("el => el === document.activeElement"):
                break
        else:
            pytest.fail("the Administration group is not reachable by Tab")
        page.keyboard.press("Enter")
        assert groups.nth(1).get_attribute("open") is not None
        link = nav.get_by_role("link", name="Tài khoản của đơn vị đã kết thúc")
        assert link.is_visible()
        if javascript:
            assert _axe(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        assert link.evaluate("el => el === document.activeElement")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{live_server}/staff/units/accounts")
        context.close()
