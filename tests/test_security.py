"""CSRF, sessions, login limits, headers, the deployment check and oversized requests."""

from __future__ import annotations

import logging
import re
import runpy
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import PASSWORD, Client, _config, snapshot
from ocop_app import create_app, security
from ocop_app.extensions import db
from ocop_app.models import User
from ocop_app.permissions import policy_of
from ocop_app.workflow import Level, Role, Stage, Status

import routesweep
from routesweep import Ctx, case_for
from test_route_sweep import SKIPPED_METHODS, fingerprint

ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------
# CSRF on every state-changing request
# --------------------------------------------------------------------------


def _state_changing_rules(app):
    return [(r, m) for r in app.url_map.iter_rules() if r.endpoint != "static"
            for m in sorted(r.methods - SKIPPED_METHODS) if m not in ("GET",)]


def test_every_state_changing_route_refuses_a_bad_csrf_token(app, make_user, make_product, units, new_client):
    """Missing, wrong, or another session's token → 400 and nothing changes, on every POST route,
    for a user the route is open to (form field and htmx header alike)."""
    routesweep.load_area_declarations()
    rules = _state_changing_rules(app)
    assert len(rules) >= 6
    other = new_client()
    other.login(make_user(Role.COMMUNE_STAFF, username="someone.else"))
    foreign_token = other.token()
    for rule, method in rules:
        policy = policy_of(app.view_functions[rule.endpoint])
        role = None if policy.public else next(r for r in Role if policy.roles is None or r in policy.roles)
        user = make_user(role) if role else None
        case = case_for(Ctx(role, user, rule.endpoint, method, make_user, make_product, units), rule)
        url = app.url_map.bind("localhost").build(rule.endpoint, case.values, method=method)
        client = new_client()
        if user:
            client.login(user)
        client.token()
        for token in (None, "wrong-token", foreign_token):
            for htmx in (False, True):
                before = fingerprint()
                data = dict(case.data)
                headers = {}
                if token is not None:
                    if htmx:
                        headers["X-CSRFToken"] = token
                    else:
                        data["csrf_token"] = token
                r = client.post(url, data, htmx=htmx, csrf=False, headers=headers)
                assert r.status_code == 400, (url, token, htmx, r.status_code)
                assert fingerprint() == before, (url, token, htmx)
                if not htmx:
                    assert "Biểu mẫu đã hết hạn" in r.get_data(as_text=True) or "hết hạn" in r.get_data(as_text=True)


def test_the_right_token_in_the_htmx_header_is_accepted(make_user, make_product, client):
    product = make_product(Stage.REGISTERED, Status.AWAITING, Level.COMMUNE)
    client.login(make_user(Role.COMMUNE_APPROVER))
    r = client.post(f"/staff/products/{product.id}/actions/commune_sign_off", {"version": product.version}, htmx=True)
    assert r.status_code == 200
    assert snapshot(product.id)[:3] == ("registered", "awaiting", "district")


# --------------------------------------------------------------------------
# Sessions
# --------------------------------------------------------------------------


def _session_cookie(client) -> str | None:
    cookie = client.raw.get_cookie("session")
    return cookie.value if cookie else None


def test_login_starts_a_new_session(make_user, client):
    user = make_user(Role.COMMUNE_STAFF)
    old_token = client.token()
    before = _session_cookie(client)
    client.login(user)
    assert _session_cookie(client) != before
    # the anonymous session's token is gone with it (no session fixation)
    r = client.post("/auth/logout", {"csrf_token": old_token})
    assert r.status_code == 400


def test_after_logout_the_old_session_cookie_gives_the_login_page(app, make_user, client, new_client):
    user = make_user(Role.COMMUNE_STAFF)
    client.login(user)
    other_browser = new_client()
    other_browser.login(user)
    stolen = _session_cookie(client)
    assert client.post("/auth/logout").status_code == 303
    replay = new_client()
    replay.raw.set_cookie("session", stolen)
    r = replay.get("/staff/products")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    r = other_browser.get("/staff/products")  # logout ends the user's sessions everywhere
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]


def test_password_change_ends_other_sessions_and_keeps_this_one(app, make_user, client, new_client):
    user = make_user(Role.DISTRICT_STAFF)
    client.login(user)
    other = new_client()
    other.login(user)
    page = client.get("/auth/password")
    assert page.status_code == 200 and "Đổi mật khẩu" in page.get_data(as_text=True)
    r = client.post("/auth/password", {"current_password": "wrong-one", "new_password": "long-enough-1",
                                       "confirm": "long-enough-1"})
    assert r.status_code == 422 and "Mật khẩu hiện tại không đúng" in r.get_data(as_text=True)
    r = client.post("/auth/password", {"current_password": PASSWORD, "new_password": "short",
                                       "confirm": "short"})
    assert r.status_code == 422 and "ít nhất 10 ký tự" in r.get_data(as_text=True)
    r = client.post("/auth/password", {"current_password": PASSWORD, "new_password": "long-enough-1",
                                       "confirm": "long-enough-1"})
    assert r.status_code == 303
    assert client.get("/staff/products").status_code == 200  # this browser goes on
    assert other.get("/staff/products").status_code == 302  # the other one is logged out
    fresh = new_client()
    assert fresh.post("/auth/login", {"username": user.username, "password": PASSWORD}).status_code == 401
    fresh.login(user, "long-enough-1")


def test_admin_deactivation_ends_the_users_open_session(app, make_user, client, new_client):
    admin = make_user(Role.ADMIN)
    victim = make_user(Role.COMMUNE_STAFF, username="xa.thachxa")
    user_browser = new_client()
    user_browser.login(victim)
    assert user_browser.get("/staff/products").status_code == 200
    client.login(admin)
    page = client.get("/admin/users").get_data(as_text=True)
    assert "xa.thachxa" in page and "Khóa tài khoản" in page
    r = client.post(f"/admin/users/{victim.id}/deactivate", htmx=True)
    assert r.status_code == 200 and "Đã khóa" in r.get_data(as_text=True)
    r = user_browser.get("/staff/products")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    assert new_client().post("/auth/login", {"username": "xa.thachxa", "password": PASSWORD}).status_code == 401
    assert client.post(f"/admin/users/{victim.id}/activate").status_code == 303
    new_client().login(victim)
    # the admin cannot lock themself out
    assert client.post(f"/admin/users/{admin.id}/deactivate").status_code == 403


@pytest.fixture
def clock(monkeypatch):
    """Move the session clock: ``clock.advance(seconds)``."""

    class Clock:
        t = time.time()

        def advance(self, seconds):
            self.t += seconds

    c = Clock()
    monkeypatch.setattr(security, "now", lambda: c.t)
    return c


def test_idle_timeout_ends_the_session(make_user, client, clock):
    client.login(make_user(Role.COMMUNE_STAFF))
    clock.advance(29 * 60)
    assert client.get("/staff/products").status_code == 200
    clock.advance(29 * 60)  # active 29 minutes ago: still on
    assert client.get("/staff/products").status_code == 200
    clock.advance(31 * 60)
    r = client.get("/staff/products")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Phiên làm việc đã hết hạn" in page


def test_absolute_lifetime_ends_even_an_active_session(make_user, client, clock):
    client.login(make_user(Role.COMMUNE_STAFF))
    for _ in range(12 * 3 - 1):  # a request every 20 minutes for almost 12 hours
        clock.advance(20 * 60)
        assert client.get("/staff/queue/count", htmx=True).status_code == 200
    clock.advance(21 * 60)
    r = client.get("/staff/queue/count", htmx=True)
    assert r.status_code == 401 and "/auth/login" in r.headers["HX-Redirect"]


def test_timeouts_are_configurable(app, make_user, client, clock):
    app.config["SESSION_IDLE_TIMEOUT"] = 5 * 60
    client.login(make_user(Role.COMMUNE_STAFF))
    clock.advance(6 * 60)
    assert client.get("/staff/products").status_code == 302


def _set_cookie_headers(response):
    return [v for k, v in response.headers.items() if k.lower() == "set-cookie" and v.startswith("session=")]


def _dispose(*apps) -> None:
    """Close the database connections of apps a test made besides ``app`` (on PostgreSQL an engine
    left to the garbage collector warns of open connections, an error under filterwarnings)."""
    for extra in apps:
        with extra.app_context():
            db.engine.dispose()


def test_session_cookie_is_httponly_and_lax_and_secure_over_https(app, db_uri, make_user):
    user = make_user(Role.COMMUNE_STAFF)
    cookie = _set_cookie_headers(Client(app).get("/"))[0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    https_app = create_app(_config(db_uri) | {"OCOP_HTTPS": True})
    raw = https_app.test_client()
    r = raw.get("/", base_url="https://localhost")
    _dispose(https_app)
    cookie = _set_cookie_headers(r)[0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    assert user.id


# --------------------------------------------------------------------------
# Login
# --------------------------------------------------------------------------


def _login_attempt(client, username, password):
    return client.post("/auth/login", {"username": username, "password": password})


def test_unknown_user_and_wrong_password_get_the_same_answer(make_user, new_client):
    user = make_user(Role.COMMUNE_STAFF)
    a = _login_attempt(new_client(), user.username, "not-the-password")
    b = _login_attempt(new_client(), "no.such.user", "not-the-password")
    assert a.status_code == b.status_code == 401

    def message(r):
        return re.search(r'<p class="error"[^>]*>(.*?)</p>', r.get_data(as_text=True)).group(1)

    assert message(a) == message(b) == "Sai tên đăng nhập hoặc mật khẩu."


def test_eleven_wrong_passwords_lock_the_account_for_a_while(make_user, new_client):
    user = make_user(Role.COMMUNE_STAFF, username="xa.thachxa")
    codes = [_login_attempt(new_client(), "xa.thachxa", f"guess-{i}").status_code for i in range(11)]
    assert codes == [401] * 10 + [429]
    r = _login_attempt(new_client(), "xa.thachxa", PASSWORD)  # even the right password now waits
    assert r.status_code == 429
    text = r.get_data(as_text=True)
    assert "Đăng nhập sai quá nhiều lần" in text and "15 phút" in text
    # another account is not affected; an unknown name locks the same way (no account enumeration)
    new_client().login(make_user(Role.COMMUNE_APPROVER))
    codes = [_login_attempt(new_client(), "xa.khong.co", f"guess-{i}").status_code for i in range(12)]
    assert codes == [401] * 10 + [429, 429]
    assert user.id


def test_attempts_are_limited_per_address(app, make_user, new_client):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "5 per 15 minutes"
    user = make_user(Role.COMMUNE_STAFF)
    codes = [_login_attempt(new_client(), f"user{i}", "x").status_code for i in range(5)]
    assert codes == [401] * 4 + [429]
    assert _login_attempt(new_client(), user.username, PASSWORD).status_code == 429


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (tools/setup-system.sh installs it)")
    port = _free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


def test_login_limits_are_shared_through_redis(db_uri, app, make_user, redis_url):
    """Two app processes (workers) with RATELIMIT_STORAGE_URI=redis share the count."""
    make_user(Role.COMMUNE_STAFF, username="xa.binhphu")
    worker_a = create_app(_config(db_uri) | {"REDIS_URL": redis_url})
    worker_b = create_app(_config(db_uri) | {"REDIS_URL": redis_url})
    assert worker_a.config["RATELIMIT_STORAGE_URI"] == redis_url
    for i in range(6):
        assert _login_attempt(Client(worker_a), "xa.binhphu", f"x{i}").status_code == 401
    for i in range(4):
        assert _login_attempt(Client(worker_b), "xa.binhphu", f"y{i}").status_code == 401
    assert _login_attempt(Client(worker_a), "xa.binhphu", "z").status_code == 429
    assert _login_attempt(Client(worker_b), "xa.binhphu", PASSWORD).status_code == 429
    _dispose(worker_a, worker_b)


@pytest.mark.parametrize("target, lands", [
    ("/staff/products", "/staff/products"),
    ("https://evil.example/phish", "/staff/"),
    ("//evil.example/phish", "/staff/"),
    ("/\\evil.example", "/staff/"),
    ("javascript:alert(1)", "/staff/"),
])
def test_next_goes_only_to_local_paths(make_user, client, target, lands):
    user = make_user(Role.COMMUNE_STAFF)
    r = client.post(f"/auth/login?next={target}", {"username": user.username, "password": PASSWORD})
    assert r.status_code == 303 and r.headers["Location"] == lands


def test_an_old_password_hash_is_upgraded_at_login(app, make_user, client):
    user = make_user(Role.COMMUNE_STAFF)
    assert user.password_hash.startswith("pbkdf2:sha256:1000$")
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"
    client.login(user)
    db.session.rollback()
    assert db.session.get(User, user.id).password_hash.startswith("scrypt:")
    new_client = Client(app)
    new_client.login(user)  # and the password still works


def test_logins_failures_and_refusals_are_logged(make_user, make_product, client, caplog):
    caplog.set_level(logging.INFO, logger="ocop_app")
    user = make_user(Role.COMMUNE_STAFF, username="xa.binhphu.log", unit_key="binh_phu")
    product = make_product()
    _login_attempt(client, "xa.binhphu.log", "wrong")
    client.login(user)
    client.get(f"/staff/products/{product.id}")
    client.get("/admin/users")
    log = "\n".join(r.getMessage() for r in caplog.records)
    assert "login failed username='xa.binhphu.log'" in log
    assert "login ok user=xa.binhphu.log" in log
    assert f"refused 404 user=xa.binhphu.log GET /staff/products/{product.id}" in log
    assert "refused 403 user=xa.binhphu.log GET /admin/users" in log


# --------------------------------------------------------------------------
# Headers and check-deploy
# --------------------------------------------------------------------------


def test_security_headers(client):
    for url in ("/", "/auth/login", "/api/v1/products", "/no-such-page"):
        h = client.get(url).headers
        csp = h["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in h  # plain HTTP in development


def test_htmx_is_configured_for_the_csp(client):
    page = client.get("/").get_data(as_text=True)
    assert '"allowEval": false' in page and '"includeIndicatorStyles": false' in page
    assert "<script>" not in page and " style=" not in page


def test_check_deploy_fails_on_the_development_config(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("FLASK_DEBUG", "1")  # as `flask --debug run` in development
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/dev.sqlite3", "SECRET_KEY": "dev"})
    result = app.test_cli_runner().invoke(args=["check-deploy"])
    assert result.exit_code == 1
    out = result.output
    for reason in ("DEBUG is on", "SECRET_KEY is weak", "OCOP_HTTPS is off", "SESSION_COOKIE_SECURE is off",
                   "Strict-Transport-Security"):
        assert reason in out, out


def test_check_deploy_refuses_the_generated_development_key(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/dev.sqlite3", "OCOP_HTTPS": True})
    result = app.test_cli_runner().invoke(args=["check-deploy"])
    assert result.exit_code == 1 and "development key" in result.output


def test_check_deploy_passes_on_the_documented_production_config(db_uri, monkeypatch, redis_url):
    monkeypatch.setenv("SECRET_KEY", "3f9c0a5e8b7d6c4f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7a8b")
    monkeypatch.setenv("REDIS_URL", redis_url)
    settings = {k: v for k, v in runpy.run_path(str(ROOT / "deploy/config.example.py")).items() if k.isupper()}
    settings["SQLALCHEMY_DATABASE_URI"] = db_uri
    app = create_app(settings)
    result = app.test_cli_runner().invoke(args=["check-deploy"])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


# --------------------------------------------------------------------------
# Oversized requests
# --------------------------------------------------------------------------


def test_an_oversized_request_gets_a_friendly_413_page(app, make_user, client):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    client.login(make_user(Role.COMMUNE_STAFF))
    before = fingerprint()
    r = client.post("/staff/products/new", {"name": "x" * 20_000})
    assert r.status_code == 413
    page = r.get_data(as_text=True)
    assert "quá lớn" in page and "<html" in page
    assert fingerprint() == before
