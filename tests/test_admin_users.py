"""The administrator manages staff accounts: create, edit, reset a password (``/admin/users``), and
the ``flask --app ocop_app users`` command for a fresh deployment. What a person sees: the new
account logs in, a change of role or unit logs the person out, bad input comes back with a
Vietnamese message and everything typed, a stale form gets 409."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import PASSWORD, at_once, in_own_context
from ocop_app.extensions import db
from ocop_app.models import AccountEvent, AccountReview, User
from ocop_app.workflow import Role

from test_browser import _login, browser, live_server  # noqa: F401  (fixtures)
from test_public_browser import _axe
from test_route_sweep import fingerprint

NEW_PASSWORD = "mat-khau-rat-dai-1"


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN, username="quantri")


@pytest.fixture
def admin_client(admin, new_client):
    client = new_client()
    client.login(admin)
    return client


def _fresh(user_id: int) -> User:
    db.session.rollback()
    return db.session.get(User, user_id)


def _by_name(username: str) -> User | None:
    db.session.rollback()
    return db.session.query(User).filter_by(username=username).one_or_none()


def _new_account(units, **over) -> dict:
    data = {"username": "xa.thachxa.moi", "full_name": "Nguyễn Thị Hoa", "role": "commune_staff",
            "unit_id": str(units["thach_xa"].id), "email": "hoa@thachxa.gov.vn",
            "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    return data | over


def _edit_data(user: User, **over) -> dict:
    data = {"full_name": user.full_name, "email": user.email or "", "role": user.role,
            "unit_id": str(user.unit_id or ""), "version": user.version}
    return data | over


def _selected(body: str, name: str) -> str | None:
    """The value of the selected option of ``<select name=…>`` in ``body``."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', body, re.S).group(1)
    chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select)
    return next((g for g in chosen.groups() if g is not None), None) if chosen else None


# --------------------------------------------------------------------------
# The list
# --------------------------------------------------------------------------


def test_the_list_offers_to_create_an_account_and_to_edit_each(admin_client, make_user):
    officer = make_user(Role.COMMUNE_STAFF, username="xa.thachxa")
    body = admin_client.get("/admin/users").get_data(as_text=True)
    assert "Tạo tài khoản" in body and 'href="/admin/users/new"' in body
    assert f'href="/admin/users/{officer.id}/edit"' in body and ">Sửa</a>" in body
    page = admin_client.get("/admin/users/new")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for label in ("Tên đăng nhập", "Họ và tên", "Vai trò", "Đơn vị", "Thư điện tử", "Mật khẩu"):
        assert label in text, label


# --------------------------------------------------------------------------
# Create
# --------------------------------------------------------------------------


def test_the_admin_creates_an_account_that_logs_in_with_its_password(admin, admin_client, units, new_client):
    r = admin_client.post("/admin/users/new", _new_account(units))
    assert r.status_code == 303 and r.headers["Location"].endswith("/admin/users")
    listing = admin_client.get("/admin/users").get_data(as_text=True)
    assert "xa.thachxa.moi" in listing and "Nguyễn Thị Hoa" in listing
    user = _by_name("xa.thachxa.moi")
    assert (user.role, user.unit_id, user.email, user.active) == (
        "commune_staff", units["thach_xa"].id, "hoa@thachxa.gov.vn", True)
    assert user.password_hash != NEW_PASSWORD  # stored hashed
    browser = new_client()
    browser.login("xa.thachxa.moi", NEW_PASSWORD)
    assert browser.get("/staff/products").status_code == 200
    event = db.session.query(AccountEvent).filter_by(user_id=user.id).one()
    assert (event.action, event.actor_id, event.to_role, event.to_unit_id) == (
        "create", admin.id, "commune_staff", units["thach_xa"].id)


def test_an_administrator_account_has_no_unit(admin_client, new_client):
    r = admin_client.post("/admin/users/new", {
        "username": "quantri2", "full_name": "Lê Văn Quản", "role": "admin", "unit_id": "", "email": "",
        "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, htmx=True)
    assert r.status_code == 204 and r.headers["HX-Redirect"] == "/admin/users"
    user = _by_name("quantri2")
    assert user.unit_id is None and user.email is None
    browser = new_client()
    browser.login("quantri2", NEW_PASSWORD)
    assert browser.get("/admin/users").status_code == 200


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_unit_not_of_the_roles_level_is_refused_and_everything_typed_kept(admin_client, units, htmx):
    before = fingerprint()
    data = _new_account(units, role="commune_approver", unit_id=str(units["thach_that"].id))
    r = admin_client.post("/admin/users/new", data, htmx=htmx)
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "Vai trò Lãnh đạo xã (phê duyệt) phục vụ đơn vị cấp xã; Huyện Thạch Thất không thuộc cấp này." in body
    assert 'id="unit_id-error"' in body
    assert ("<html" in body) is not htmx
    for value in ("xa.thachxa.moi", "Nguyễn Thị Hoa", "hoa@thachxa.gov.vn"):
        assert f'value="{value}"' in body
    assert _selected(body, "role") == "commune_approver"
    assert _selected(body, "unit_id") == str(units["thach_that"].id)
    assert NEW_PASSWORD not in body  # a password is never sent back
    assert fingerprint() == before


@pytest.mark.parametrize("role, unit_key, message", [
    ("admin", "thach_xa", "Quản trị hệ thống không thuộc đơn vị nào: để trống ô đơn vị."),
    ("district_staff", None, "Chọn đơn vị mà tài khoản này phục vụ."),
    ("nobody", "thach_xa", "Chọn vai trò trong danh sách."),
])
def test_role_and_unit_must_fit(admin_client, units, role, unit_key, message):
    before = fingerprint()
    r = admin_client.post("/admin/users/new", _new_account(
        units, role=role, unit_id=str(units[unit_key].id) if unit_key else ""))
    assert r.status_code == 422 and message in r.get_data(as_text=True)
    assert fingerprint() == before


def test_a_unit_that_has_ended_is_neither_offered_nor_accepted(admin_client, units):
    ended = units["quoc_oai"]
    ended.valid_to = dt.date(2025, 6, 30)
    db.session.commit()
    form = admin_client.get("/admin/users/new").get_data(as_text=True)
    assert f'value="{units["thach_that"].id}"' in form and f'value="{ended.id}"' not in form
    r = admin_client.post("/admin/users/new", _new_account(units, role="district_staff", unit_id=str(ended.id)))
    assert r.status_code == 422 and "Hãy chọn đơn vị còn tồn tại đến hôm nay." in r.get_data(as_text=True)
    assert _by_name("xa.thachxa.moi") is None


@pytest.mark.parametrize("taken", ["xa.thachxa", "XA.ThachXa"])
def test_a_username_already_taken_whatever_its_case_is_refused(admin_client, make_user, units, taken):
    make_user(Role.COMMUNE_STAFF, username="xa.thachxa")
    before = fingerprint()
    r = admin_client.post("/admin/users/new", _new_account(units, username=taken))
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and f"Tên đăng nhập {taken} đã có người dùng." in body
    assert 'value="Nguyễn Thị Hoa"' in body
    assert fingerprint() == before


@pytest.mark.parametrize("over, message", [
    ({"new_password": "ngan", "confirm": "ngan"}, "Dùng ít nhất 10 ký tự."),
    ({"confirm": "mat-khau-khac-1"}, "Hai mật khẩu mới không khớp nhau."),
    ({"email": "hoa@"}, "Nhập địa chỉ thư điện tử dạng ten@donvi.gov.vn, hoặc để trống."),
    ({"username": "xã thạch xá"}, "Dùng 3 đến 80 chữ cái không dấu"),
    ({"full_name": "   "}, "Nhập họ và tên của người dùng tài khoản."),
])
def test_bad_input_gets_a_vietnamese_message(admin_client, units, over, message):
    before = fingerprint()
    r = admin_client.post("/admin/users/new", _new_account(units, **over))
    assert r.status_code == 422 and message in r.get_data(as_text=True)
    assert fingerprint() == before


# --------------------------------------------------------------------------
# Edit
# --------------------------------------------------------------------------


def test_editing_the_email_sends_reminders_there_and_keeps_the_session(admin, admin_client, make_user, new_client):
    officer = make_user(Role.COMMUNE_STAFF)
    browser = new_client()
    browser.login(officer)
    form = admin_client.get(f"/admin/users/{officer.id}/edit").get_data(as_text=True)
    assert f'value="{officer.full_name}"' in form and f'name="version" type="hidden" value="{officer.version}"' in form
    r = admin_client.post(f"/admin/users/{officer.id}/edit",
                          _edit_data(officer, email="  canbo@thachxa.gov.vn ", full_name="Phạm Văn Bình"))
    assert r.status_code == 303
    user = _fresh(officer.id)
    assert (user.email, user.full_name) == ("canbo@thachxa.gov.vn", "Phạm Văn Bình")
    assert browser.get("/staff/products").status_code == 200  # a new address or name logs nobody out
    event = db.session.query(AccountEvent).filter_by(user_id=officer.id, action="edit").one()
    assert event.detail == "full_name,email" and event.actor_id == admin.id
    history = admin_client.get(f"/admin/users/{officer.id}/edit").get_data(as_text=True)
    assert "Đã sửa: họ và tên, thư điện tử" in history


def test_changing_the_role_or_unit_ends_the_users_sessions(admin_client, make_user, units, new_client):
    officer = make_user(Role.COMMUNE_STAFF, "thach_xa")
    browser = new_client()
    browser.login(officer)
    assert browser.get("/staff/products").status_code == 200
    r = admin_client.post(f"/admin/users/{officer.id}/edit", _edit_data(
        officer, role="commune_approver", unit_id=str(units["binh_phu"].id)))
    assert r.status_code == 303
    r = browser.get("/staff/products")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    user = _fresh(officer.id)
    assert (user.role, user.unit_id) == ("commune_approver", units["binh_phu"].id)
    event = db.session.query(AccountEvent).filter_by(user_id=officer.id, action="edit").one()
    assert (event.from_role, event.to_role) == ("commune_staff", "commune_approver")
    assert (event.from_unit_id, event.to_unit_id) == (units["thach_xa"].id, units["binh_phu"].id)
    browser.login(officer)  # the password still works, with the new role
    assert "Lãnh đạo xã" in browser.get("/staff/products").get_data(as_text=True)


def test_an_edit_with_a_unit_of_another_level_is_refused_with_what_was_typed(admin_client, make_user, units):
    officer = make_user(Role.DISTRICT_STAFF)
    before = fingerprint()
    data = _edit_data(officer, full_name="Tên mới gõ vào", email="moi@huyen.gov.vn", unit_id=str(units["hanoi"].id))
    r = admin_client.post(f"/admin/users/{officer.id}/edit", data, htmx=True)
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and "<html" not in body
    assert "phục vụ đơn vị cấp huyện; Thành phố Hà Nội không thuộc cấp này." in body
    assert 'value="Tên mới gõ vào"' in body and 'value="moi@huyen.gov.vn"' in body
    assert _selected(body, "unit_id") == str(units["hanoi"].id)
    assert fingerprint() == before


def test_a_stale_edit_form_gets_409_and_keeps_what_was_typed(admin, admin_client, make_user, new_client):
    officer = make_user(Role.COMMUNE_STAFF)
    other_admin = new_client()
    other_admin.login(make_user(Role.ADMIN))
    loaded = _edit_data(officer)
    assert other_admin.post(f"/admin/users/{officer.id}/edit", loaded | {"full_name": "Tên của người thứ nhất"}
                            ).status_code == 303
    before = fingerprint()
    r = admin_client.post(f"/admin/users/{officer.id}/edit", loaded | {"full_name": "Tên ghi đè cũ"})
    body = r.get_data(as_text=True)
    assert r.status_code == 409
    assert "Người khác vừa sửa tài khoản này." in body
    assert 'value="Tên ghi đè cũ"' in body
    assert fingerprint() == before
    assert _fresh(officer.id).full_name == "Tên của người thứ nhất"
    # the form now carries the current version: saving again, knowingly, goes through
    version = re.search(r'name="version" type="hidden" value="(\d+)"', body).group(1)
    assert int(version) == _fresh(officer.id).version
    assert admin_client.post(f"/admin/users/{officer.id}/edit",
                             loaded | {"full_name": "Tên ghi đè cũ", "version": version}).status_code == 303


def test_two_simultaneous_edits_one_wins_the_other_gets_409(make_user, new_client, units):
    officer = make_user(Role.COMMUNE_STAFF, "thach_xa")
    clients = []
    for _ in range(2):
        c = new_client()
        c.login(make_user(Role.ADMIN))
        c.token()
        clients.append(c)
    data = [_edit_data(officer, unit_id=str(units["binh_phu"].id)), _edit_data(officer, role="commune_approver")]
    results = at_once([lambda c=c, d=d: c.post(f"/admin/users/{officer.id}/edit", d) for c, d in zip(clients, data)])
    assert sorted(r.status_code for r in results) == [303, 409]
    user = _fresh(officer.id)
    winner = [r.status_code for r in results].index(303)
    expected = (("commune_staff", units["binh_phu"].id), ("commune_approver", units["thach_xa"].id))[winner]
    assert (user.role, user.unit_id) == expected
    assert db.session.query(AccountEvent).filter_by(user_id=officer.id, action="edit").count() == 1


def test_the_admin_cannot_change_their_own_role(admin, admin_client, units):
    before = fingerprint()
    r = admin_client.post(f"/admin/users/{admin.id}/edit", _edit_data(
        admin, role="city_staff", unit_id=str(units["hanoi"].id)))
    assert r.status_code == 422
    assert "Bạn không thể tự đổi vai trò hoặc đơn vị của mình" in r.get_data(as_text=True)
    assert fingerprint() == before


def test_the_role_of_an_account_of_an_ended_unit_is_decided_on_the_review_list(admin_client, make_user, units):
    officer = make_user(Role.DISTRICT_STAFF, "thach_that")
    units["thach_that"].valid_to = dt.date(2025, 6, 30)
    db.session.add(AccountReview(user_id=officer.id, old_unit_id=units["thach_that"].id, old_role=officer.role,
                                 proposed_action="deactivate"))
    db.session.commit()
    r = admin_client.post(f"/admin/users/{officer.id}/edit", _edit_data(
        officer, role="city_staff", unit_id=str(units["hanoi"].id)))
    assert r.status_code == 422 and "danh sách tài khoản của đơn vị đã kết thúc" in r.get_data(as_text=True)
    # its e-mail can still be set, the ended unit kept
    r = admin_client.post(f"/admin/users/{officer.id}/edit", _edit_data(_fresh(officer.id), email="a@b.vn"))
    assert r.status_code == 303
    assert (_fresh(officer.id).email, _fresh(officer.id).unit_id) == ("a@b.vn", units["thach_that"].id)


def test_an_edit_form_opened_before_the_merger_review_decided_gets_409(admin_client, make_user, units):
    officer = make_user(Role.DISTRICT_STAFF, "thach_that")
    units["thach_that"].valid_to = dt.date(2025, 6, 30)
    review = AccountReview(user_id=officer.id, old_unit_id=units["thach_that"].id, old_role=officer.role,
                           proposed_action="deactivate")
    db.session.add(review)
    db.session.commit()
    loaded = _edit_data(officer, email="cu@thachthat.vn")
    assert admin_client.post(f"/staff/units/accounts/{review.id}", {"action": "deactivate"}).status_code == 303
    r = admin_client.post(f"/admin/users/{officer.id}/edit", loaded)
    assert r.status_code == 409 and 'value="cu@thachthat.vn"' in r.get_data(as_text=True)
    assert (_fresh(officer.id).active, _fresh(officer.id).email) == (False, None)


def test_the_units_audit_page_describes_the_administrators_changes(admin_client, units):
    assert admin_client.post("/admin/users/new", _new_account(units)).status_code == 303
    body = admin_client.get("/staff/units/accounts").get_data(as_text=True)
    assert "Tạo với vai trò Cán bộ xã, Xã Thạch Xá" in body and "Đã khóa" not in body


# --------------------------------------------------------------------------
# Password reset
# --------------------------------------------------------------------------


def test_the_admin_resets_a_password_and_the_users_sessions_end(admin, admin_client, make_user, new_client):
    officer = make_user(Role.COMMUNE_STAFF)
    browser = new_client()
    browser.login(officer)
    edit = admin_client.get(f"/admin/users/{officer.id}/edit").get_data(as_text=True)
    assert f'href="/admin/users/{officer.id}/password"' in edit and "Đặt lại mật khẩu" in edit
    r = admin_client.post(f"/admin/users/{officer.id}/password", {"new_password": "ngan", "confirm": "ngan"})
    assert r.status_code == 422 and "Dùng ít nhất 10 ký tự." in r.get_data(as_text=True)
    assert browser.get("/staff/products").status_code == 200  # a refused reset changes nothing
    r = admin_client.post(f"/admin/users/{officer.id}/password", {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 303
    r = browser.get("/staff/products")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    assert new_client().post("/auth/login", {"username": officer.username, "password": PASSWORD}).status_code == 401
    new_client().login(officer, NEW_PASSWORD)
    db.session.rollback()
    event = db.session.query(AccountEvent).filter_by(user_id=officer.id).one()
    assert (event.action, event.actor_id) == ("password_reset", admin.id)


# --------------------------------------------------------------------------
# Only the administrator
# --------------------------------------------------------------------------


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_the_administrator_manages_accounts(make_user, new_client, units, role):
    target = make_user(Role.COMMUNE_STAFF, "binh_phu")
    client = new_client()
    client.login(make_user(role))
    before = fingerprint()
    for url, data in (("/admin/users/new", _new_account(units)),
                      (f"/admin/users/{target.id}/edit", _edit_data(target, role="admin", unit_id="")),
                      (f"/admin/users/{target.id}/password", {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})):
        assert client.get(url).status_code == 403
        assert client.post(url, data).status_code == 403
        assert client.post(url, data, htmx=True).status_code == 403
    assert fingerprint() == before


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def _cli(app, args, input=None):
    return in_own_context(app.test_cli_runner().invoke, args=args, input=input)


def test_the_cli_creates_the_first_administrator_who_can_log_in(app, new_client):
    assert db.session.query(User).count() == 0  # a fresh deployment, no demo data
    result = _cli(app, ["users", "create", "--username", "quantri", "--full-name", "Quản trị viên",
                        "--role", "admin", "--email", "qt@ocop.gov.vn"], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output  # typed hidden
    user = _by_name("quantri")
    assert (user.role, user.unit_id, user.email) == ("admin", None, "qt@ocop.gov.vn")
    browser = new_client()
    browser.login("quantri", NEW_PASSWORD)
    assert browser.get("/admin/users").status_code == 200
    event = db.session.query(AccountEvent).filter_by(user_id=user.id).one()
    assert (event.action, event.actor_id) == ("create", None)
    listing = _cli(app, ["users", "list"])
    assert listing.exit_code == 0 and "quantri\tQuản trị viên\tadmin\t-\tqt@ocop.gov.vn\tactive" in listing.output


def test_the_cli_applies_the_same_rules_as_the_web_form(app, units, make_user):
    make_user(Role.COMMUNE_STAFF, username="xa.thachxa")
    before = fingerprint()
    cases = [
        (["--username", "huyen.moi", "--role", "district_staff", "--unit-id", str(units["thach_xa"].id)],
         NEW_PASSWORD, "--unit-id: Vai trò Cán bộ huyện phục vụ đơn vị cấp huyện"),
        (["--username", "XA.THACHXA", "--role", "commune_staff", "--unit-id", str(units["thach_xa"].id)],
         NEW_PASSWORD, "--username: Tên đăng nhập XA.THACHXA đã có người dùng."),
        (["--username", "quantri", "--role", "admin"], "ngan", "--password: Dùng ít nhất 10 ký tự."),
    ]
    for args, password, message in cases:
        result = _cli(app, ["users", "create", "--full-name", "Ai đó", *args], input=f"{password}\n{password}\n")
        assert result.exit_code == 1 and message in result.output, result.output
    assert fingerprint() == before
    units_out = _cli(app, ["users", "units"]).output
    assert f"{units['thach_xa'].id}\tcommune\tXã Thạch Xá" in units_out


# --------------------------------------------------------------------------
# On a phone, in a real browser
# --------------------------------------------------------------------------


@pytest.mark.browser
def test_creating_an_account_on_a_phone(live_server, browser, admin, make_user, units):
    """At 375 px: the list and the form fit the screen and pass axe; a unit of the wrong level is
    shown in place (htmx) with what was typed; once corrected the account is on the list."""
    make_user(Role.COMMUNE_STAFF, username="xa.thachxa")
    context = browser.new_context(viewport={"width": 375, "height": 800}, bypass_csp=True)
    page = context.new_page()
    _login(page, live_server, admin.username)
    page.goto(f"{live_server}/admin/users")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert _axe(page) == []
    page.get_by_role("link", name="Tạo tài khoản").click()
    page.wait_for_url(f"{live_server}/admin/users/new")
    page.fill("#username", "xa.binhphu")
    page.fill("#full_name", "Đỗ Văn Phú")
    page.select_option("#role", "commune_staff")
    page.select_option("#unit_id", str(units["thach_that"].id))
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#confirm", NEW_PASSWORD)
    page.evaluate("window.__marker = 1")
    page.get_by_role("button", name="Tạo tài khoản").click()
    page.locator("#unit_id-error").wait_for()
    assert page.evaluate("window.__marker") == 1  # swapped in place, not reloaded
    assert page.input_value("#full_name") == "Đỗ Văn Phú"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert _axe(page) == []
    page.select_option("#unit_id", str(units["binh_phu"].id))
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#confirm", NEW_PASSWORD)
    page.get_by_role("button", name="Tạo tài khoản").click()
    page.wait_for_url(f"{live_server}/admin/users")
    page.get_by_text("Đã tạo tài khoản xa.binhphu").wait_for()
    page.locator("tr", has_text="xa.binhphu").get_by_role("link", name="Sửa").click()
    page.locator("#account-form").wait_for()
    assert page.get_by_text("Tạo với vai trò Cán bộ xã, Xã Bình Phú").is_visible()  # the account's history
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert _axe(page) == []
    page.get_by_role("link", name="Đặt lại mật khẩu").click()
    page.locator("#password-reset-form").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert _axe(page) == []
    context.close()


def test_the_outbox_shows_what_is_not_sent_and_a_new_address_takes_the_waiting_mail(
        admin_client, make_user, new_client):
    """Tester report (session 5): an e-mail the server kept refusing was retried for ever where nobody
    could see it, and correcting the user's address did not help the messages already waiting."""
    from ocop_app.models import OutboxEmail

    officer = make_user(Role.COMMUNE_STAFF)
    officer.email = "sai@thachxa.gov"
    db.session.add_all([
        OutboxEmail(key=f"cert-expiry:1:2026-11-15:{officer.id}", to_addr="sai@thachxa.gov",
                    subject="Giấy chứng nhận sắp hết hạn: Chè lam", body="…", attempts=3,
                    last_error="SMTPRecipientsRefused: 550 no such user"),
        OutboxEmail(key="cert-expiry:1:2026-11-15:999", to_addr="khac@example.vn", subject="Khác", body="…",
                    sent_at=dt.datetime(2026, 11, 15, tzinfo=dt.timezone.utc))])
    db.session.commit()
    page = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert "Hộp thư đi" in page and "sai@thachxa.gov" in page and "550 no such user" in page
    assert "khac@example.vn" not in page  # sent
    staff = new_client()
    staff.login(make_user(Role.CITY_STAFF))
    assert staff.get("/admin/outbox").status_code == 403

    assert admin_client.post(f"/admin/users/{officer.id}/edit",
                             _edit_data(officer, email="dung@thachxa.gov.vn")).status_code == 303
    db.session.rollback()
    waiting = db.session.query(OutboxEmail).filter(OutboxEmail.sent_at.is_(None)).one()
    assert waiting.to_addr == "dung@thachxa.gov.vn"
    db.session.rollback()
