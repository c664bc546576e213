"""Real headless Chromium (Debian's /usr/bin/chromium) against the app served on localhost."""

from __future__ import annotations

import re
import shutil
import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import WSGIRequestHandler, make_server

from conftest import PASSWORD, snapshot
from ocop_app.workflow import Level, Role, Stage, Status

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


class _ClosingHandler(WSGIRequestHandler):
    """Closes the response when the browser hangs up.

    Werkzeug 3.1's development server skips ``close()`` on the response when the
    client drops the connection while the server drains the request; a static
    file's handle then stays open until garbage collection (a ResourceWarning).
    Browsers drop connections when a test closes its context."""

    def connection_dropped(self, error, environ=None):
        response = (environ or {}).get("tests.response")
        if response is not None and hasattr(response, "close"):
            response.close()


@pytest.fixture
def live_server(app):
    def recording(environ, start_response):
        environ["tests.response"] = response = app(environ, start_response)
        return response

    server = make_server("127.0.0.1", 0, recording, threaded=True, request_handler=_ClosingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium; Playwright gives each launch a fresh, empty profile directory."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _login(page, base, username):
    page.goto(f"{base}/auth/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base}/staff/**")


def test_htmx_action_swaps_in_place(live_server, browser, make_user, make_product):
    product = make_product(Stage.REGISTERED, Status.AWAITING, Level.COMMUNE, name="Chè lam thử")
    approver = make_user(Role.COMMUNE_APPROVER)
    context = browser.new_context()
    page = context.new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server) else None)
    _login(page, live_server, approver.username)
    expect(page.locator("#queue-count")).to_have_text(re.compile(r"\b1$"))  # filled in by HTMX after load
    page.goto(f"{live_server}/staff/products/{product.id}")
    page.evaluate("window.__marker = 42")  # survives only if the page is not reloaded
    page.get_by_role("button", name="Phê duyệt và gửi lên huyện").click()
    page.locator("#flash").get_by_text("Đã thực hiện").wait_for()
    assert page.evaluate("window.__marker") == 42
    assert page.url == f"{live_server}/staff/products/{product.id}"
    page.locator("#queue-count").filter(has_text="0").wait_for()
    assert snapshot(product.id)[:3] == ("registered", "awaiting", "district")
    assert outside == []  # nothing loaded from outside the app
    context.close()


def test_reason_error_shown_in_place(live_server, browser, make_user, make_product):
    product = make_product(Stage.REGISTERED, Status.AWAITING, Level.COMMUNE)
    approver = make_user(Role.COMMUNE_APPROVER)
    context = browser.new_context()
    page = context.new_page()
    _login(page, live_server, approver.username)
    page.goto(f"{live_server}/staff/products/{product.id}")
    before = snapshot(product.id)
    page.get_by_role("button", name="Từ chối").click()
    page.get_by_text("Cần nêu lý do").first.wait_for()
    assert snapshot(product.id) == before
    page.fill("#commune_reject-reason", "Sản phẩm không phải của địa phương")
    page.get_by_role("button", name="Từ chối").click()
    page.locator("#flash").get_by_text("Đã thực hiện").wait_for()
    assert snapshot(product.id)[1] == "rejected"
    context.close()


def test_everything_works_without_javascript(live_server, browser, make_user, units):
    staff = make_user(Role.COMMUNE_STAFF)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _login(page, live_server, staff.username)
    page.goto(f"{live_server}/staff/products/new")
    page.fill("#name", "Miến dong Thạch Xá")
    page.select_option("#product_set_no", "6")
    page.fill("#producer_name", "Hộ kinh doanh A99")
    page.select_option("#producer_type", "household")
    page.click("#product-form button[type=submit]")
    page.get_by_text("Đã đăng ký sản phẩm").wait_for()
    page.get_by_role("button", name="Gửi lãnh đạo xã phê duyệt").click()
    page.get_by_text("Đã thực hiện").wait_for()
    assert "Chờ phê duyệt" in page.content()
    # Filters work as a plain GET form.
    page.goto(f"{live_server}/staff/products")
    page.fill("#q", "mien dong")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**q=mien+dong**")
    assert "Miến dong Thạch Xá" in page.content()
    context.close()


def test_filter_url_reload_and_back_give_full_pages(live_server, browser, make_product):
    make_product(Stage.RANKED, Status.APPROVED, Level.CITY, stars=4, score=80, name="Bánh chưng Tranh Khúc")
    make_product(Stage.RANKED, Status.APPROVED, Level.CITY, stars=3, score=60, name="Nem chua")
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server}/")
    page.select_option("#stars", "4")
    page.wait_for_url("**stars=4**")
    page.locator("#results").get_by_text("Nem chua").wait_for(state="detached")
    page.reload()
    assert page.locator("header.site-header").count() == 1 and "Bánh chưng Tranh Khúc" in page.content()
    assert "Nem chua" not in page.locator("#results").inner_text()
    page.go_back()
    page.wait_for_url(f"{live_server}/")
    page.locator("#results").get_by_text("Nem chua").wait_for()
    assert page.locator("header.site-header").count() == 1
    context.close()


def test_dossier_upload_in_a_real_browser(live_server, browser, make_user, make_product, tmp_path):
    """A district officer uploads a fake PDF (refused, typed dates kept), then the real one."""
    product = make_product(Stage.UPGRADED, Status.AWAITING, Level.DISTRICT, product_set_no=6)
    officer = make_user(Role.DISTRICT_STAFF)
    fake = tmp_path / "Giấy chứng nhận ATTP.pdf"
    fake.write_bytes(b"<html><body>not a pdf</body></html>")
    real = tmp_path / "real" / "Giấy chứng nhận ATTP.pdf"
    real.parent.mkdir()
    real.write_bytes(b"%PDF-1.4\n%%EOF\n")
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    _login(page, live_server, officer.username)
    page.goto(f"{live_server}/staff/products/{product.id}")
    page.click("nav.subnav >> text=Hồ sơ")
    page.select_option("#code", "food_safety_certificate")
    page.fill("#expires_on", "31/12/2030")
    page.set_input_files("#file", str(fake))
    page.click("form.upload button[type=submit]")
    assert "không phải là tệp PDF thật" in page.content()
    assert page.input_value("#expires_on") == "31/12/2030"
    page.set_input_files("#file", str(real))
    page.click("form.upload button[type=submit]")
    page.wait_for_selector("#item-food_safety_certificate a")
    with page.expect_download() as info:
        page.click("#item-food_safety_certificate a")
    assert info.value.suggested_filename == "Giấy chứng nhận ATTP.pdf"
    context.close()
