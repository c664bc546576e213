"""Reports in real headless Chromium: the import's progress bar over htmx, and without JavaScript."""

from __future__ import annotations


import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from ocop_app.extensions import db
from ocop_app.models import Product
from ocop_app.workflow import Role
from test_browser import _login, browser, live_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def _xlsx_file(tmp_path, n: int):
    wb = Workbook()
    ws = wb.active
    ws.append(["Tên sản phẩm", "Chủ thể", "Loại hình chủ thể", "Xã", "Bộ sản phẩm", "Liên hệ"])
    for i in range(n):
        ws.append([f"Sản phẩm {i}", f"Hộ {i % 50}", "Hộ kinh doanh", "Thạch Xá" if i % 2 else "Bình Phú", 1 + i % 26, ""])
    path = tmp_path / "danh-sach.xlsx"
    wb.save(path)
    return path


def _products() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Product))


@pytest.mark.parametrize("javascript", [True, False])
def test_import_in_the_browser(live_server, browser, make_user, tmp_path, javascript):  # noqa: F811
    user = make_user(Role.DISTRICT_STAFF)
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    _login(page, live_server, user.username)
    page.goto(f"{live_server}/staff/reports/import")
    page.set_input_files("#file", str(_xlsx_file(tmp_path, 650)))
    page.get_by_role("button", name="Đọc tệp và xem trước").click()
    page.get_by_text("650 sẽ được tạo").wait_for()
    assert _products() == 0
    page.get_by_role("button", name="Xác nhận: tạo 650 sản phẩm").click()
    page.get_by_text("Đã nhập xong: 650 sản phẩm được tạo, 0 dòng bỏ qua.").first.wait_for(timeout=60000)
    assert _products() == 650
    if javascript:
        assert page.locator("#import-progress").count() == 0  # the bar was replaced by the result
    page.screenshot(path=str(tmp_path / "import.png"), full_page=False)
    context.close()


def test_dashboard_renders_charts(live_server, browser, make_user, make_product, tmp_path):  # noqa: F811
    make_product()
    user = make_user(Role.DISTRICT_APPROVER)
    context = browser.new_context()
    page = context.new_page()
    _login(page, live_server, user.username)
    page.goto(f"{live_server}/staff/reports/")
    assert page.locator("figure svg").count() == 3  # no year of recognition yet: no stars chart
    box = page.locator("figure svg").first.bounding_box()
    assert box["width"] > 300 and box["height"] > 50
    context.close()
