"""Sessions, login throttling, security headers and the deployment check.

- **Sessions** end after ``SESSION_IDLE_TIMEOUT`` without a request (default
  30 minutes) and ``SESSION_ABSOLUTE_LIFETIME`` after login (default 12 hours),
  whatever the user does; both are read from the signed session cookie, so
  they hold on every worker. Logout, a password change and deactivation end a
  user's sessions everywhere through ``User.session_epoch``.
- **Login throttling** (Flask-Limiter's storage and moving-window strategy):
  failed attempts are counted per account name (``LOGIN_LIMIT_PER_ACCOUNT``,
  default 11 per 15 minutes) and per client address
  (``LOGIN_LIMIT_PER_ADDRESS``, default 50 per 15 minutes). Storage is in
  memory unless ``RATELIMIT_STORAGE_URI`` (or ``REDIS_URL``) names a shared
  store, which several workers or machines need.
- **Headers**: CSP without ``unsafe-inline``/``unsafe-eval``,
  ``frame-ancestors 'none'``, ``X-Content-Type-Options``, ``Referrer-Policy``,
  and HSTS when ``OCOP_HTTPS`` is on (which also makes cookies ``Secure``).
"""

from __future__ import annotations

import datetime as dt
import time

import click
from flask.cli import with_appcontext
from flask import Flask, abort, current_app, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse as parse_limit

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"

#: Session keys holding the login time and the last request time (Unix seconds).
LOGIN_AT, SEEN_AT = "_login_at", "_seen_at"

#: Keys that must never be used in production (defaults of tutorials and of our tests).
KNOWN_WEAK_KEYS = {"dev", "secret", "changeme", "change-me", "development", "test-secret-key-not-for-production"}
MIN_SECRET_KEY_LENGTH = 32


def now() -> float:
    """The clock sessions are measured by (Unix seconds); tests move it."""
    return time.time()


def _seconds(value) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


# --------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------


def configure(app: Flask) -> None:
    """Derive cookie security, cookie lifetime and limiter storage from the configuration."""
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(seconds=_seconds(app.config["SESSION_ABSOLUTE_LIFETIME"]))
    if app.config.get("OCOP_HTTPS"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        app.config.setdefault("PREFERRED_URL_SCHEME", "https")
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"
    limiter = Limiter(
        key_func=get_remote_address, app=app, storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        strategy="moving-window", key_prefix="ocop",
    )
    app.extensions["ocop_limiter"] = limiter
    app.before_request(refuse_nul_bytes)
    if app.config.get("PROXY_FIX_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


# --------------------------------------------------------------------------
# Login throttling
# --------------------------------------------------------------------------


class LoginThrottle:
    """Counts failed logins per account and per address in the limiter's storage.

    Unknown user names are counted exactly like real ones, so the answers never
    reveal whether an account exists.
    """

    def __init__(self, app: Flask | None = None):
        app = app or current_app
        self.strategy = app.extensions["ocop_limiter"].limiter
        self.account_limit = parse_limit(app.config["LOGIN_LIMIT_PER_ACCOUNT"])
        self.address_limit = parse_limit(app.config["LOGIN_LIMIT_PER_ADDRESS"])

    @staticmethod
    def _account(username: str) -> str:
        return (username or "").strip().casefold()[:80]

    def locked(self, username: str, address: str) -> bool:
        """True when the account or the address has used up its failed attempts."""
        return not (
            self.strategy.test(self.account_limit, "login-account", self._account(username))
            and self.strategy.test(self.address_limit, "login-address", address or "?")
        )

    def failed(self, username: str, address: str) -> bool:
        """Count one failed attempt; True if that locks the account or the address."""
        self.strategy.hit(self.account_limit, "login-account", self._account(username))
        self.strategy.hit(self.address_limit, "login-address", address or "?")
        return self.locked(username, address)

    def lock_minutes(self) -> int:
        """How long a lock lasts at most (the limit's window), in minutes."""
        return max(1, round(self.account_limit.get_expiry() / 60))


# --------------------------------------------------------------------------
# Sessions
# --------------------------------------------------------------------------


def refuse_nul_bytes() -> None:
    """Refuse (400) a request whose query or form values hold a NUL byte: no text a person types
    has one, and PostgreSQL text cannot store it (it would end as a 500 at the first query)."""
    for _key, values in request.values.lists():
        if any("\x00" in v for v in values):
            abort(400)


def start_session() -> None:
    """Mark the (new) session's login time; call right after ``login_user``."""
    session.permanent = True
    session[LOGIN_AT] = session[SEEN_AT] = int(now())


def session_expired() -> bool:
    """True if the logged-in session is past its idle timeout or absolute lifetime.

    Refreshes the last-seen time otherwise (the session cookie is re-sent).
    """
    t = now()
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if login_at is None or seen_at is None:
        return True
    cfg = current_app.config
    if t - seen_at > _seconds(cfg["SESSION_IDLE_TIMEOUT"]) or t - login_at > _seconds(cfg["SESSION_ABSOLUTE_LIFETIME"]):
        return True
    if int(t) != seen_at:
        session[SEEN_AT] = int(t)
    return False


# --------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------


def set_headers(response):
    """Add the security headers to ``response`` (HSTS only over HTTPS)."""
    h = response.headers
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("Referrer-Policy", "same-origin")
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("X-Frame-Options", "DENY")
    if current_app.config.get("OCOP_HTTPS") and request.is_secure:
        h.setdefault("Strict-Transport-Security", HSTS)
    return response


# --------------------------------------------------------------------------
# Deployment check
# --------------------------------------------------------------------------


def deploy_problems(app: Flask) -> tuple[list[str], list[str]]:
    """What makes ``app``'s configuration unfit for production.

    :returns: ``(problems, warnings)``; any problem fails ``check-deploy``.
    """
    cfg = app.config
    problems, warnings = [], []
    if cfg.get("DEBUG") or app.debug:
        problems.append("DEBUG is on: turn it off (no FLASK_DEBUG=1, no --debug, DEBUG = False).")
    if cfg.get("TESTING"):
        problems.append("TESTING is on.")
    key = cfg.get("SECRET_KEY") or ""
    if isinstance(key, bytes):
        key = key.decode(errors="replace")
    if not key:
        problems.append("SECRET_KEY is not set.")
    elif key.lower() in KNOWN_WEAK_KEYS or len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 10:
        problems.append(f"SECRET_KEY is weak or a known default: use at least {MIN_SECRET_KEY_LENGTH} random "
                        "characters (python -c 'import secrets; print(secrets.token_hex(32))').")
    elif cfg.get("OCOP_DEV_SECRET_KEY"):
        problems.append("SECRET_KEY is the development key from instance/secret_key: set SECRET_KEY for production.")
    if not cfg.get("OCOP_HTTPS"):
        problems.append("OCOP_HTTPS is off: serve over HTTPS and set OCOP_HTTPS=True (Secure cookies, HSTS).")
    if not cfg.get("SESSION_COOKIE_SECURE"):
        problems.append("SESSION_COOKIE_SECURE is off.")
    if not cfg.get("SESSION_COOKIE_HTTPONLY"):
        problems.append("SESSION_COOKIE_HTTPONLY is off.")
    if cfg.get("SESSION_COOKIE_SAMESITE") not in ("Lax", "Strict"):
        problems.append("SESSION_COOKIE_SAMESITE must be Lax or Strict.")
    if not cfg.get("REMEMBER_COOKIE_HTTPONLY") or not cfg.get("REMEMBER_COOKIE_SECURE"):
        problems.append("REMEMBER_COOKIE_HTTPONLY/REMEMBER_COOKIE_SECURE must be on.")
    if not str(cfg.get("PASSWORD_HASH_METHOD", "scrypt")).startswith("scrypt"):
        problems.append("PASSWORD_HASH_METHOD is not scrypt.")
    if not cfg.get("WTF_CSRF_ENABLED", True):
        problems.append("CSRF protection (WTF_CSRF_ENABLED) is off.")
    problems += header_problems(app)
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        warnings.append("The database is SQLite: fine for one machine, use PostgreSQL (DATABASE_URL) for several.")
    if cfg.get("RATELIMIT_STORAGE_URI", "").startswith("memory"):
        warnings.append("Login limits are kept in memory, per process: set REDIS_URL when running several workers.")
    return problems, warnings


def header_problems(app: Flask) -> list[str]:
    """Ask the app for its login page over HTTPS and check the security headers."""
    problems = []
    with app.test_client() as client:
        response = client.get("/auth/login", base_url="https://localhost")
    h = response.headers
    csp = h.get("Content-Security-Policy", "")
    if not csp:
        problems.append("Header Content-Security-Policy is missing.")
    else:
        for bad in ("'unsafe-inline'", "'unsafe-eval'"):
            if bad in csp:
                problems.append(f"Content-Security-Policy allows {bad}.")
        if "frame-ancestors" not in csp:
            problems.append("Content-Security-Policy has no frame-ancestors.")
    if h.get("X-Content-Type-Options") != "nosniff":
        problems.append("Header X-Content-Type-Options: nosniff is missing.")
    if not h.get("Referrer-Policy"):
        problems.append("Header Referrer-Policy is missing.")
    if not h.get("Strict-Transport-Security"):
        problems.append("Header Strict-Transport-Security (HSTS) is missing over HTTPS.")
    return problems


@click.command("check-deploy")
@with_appcontext
def check_deploy_command() -> None:
    """Check the configuration for production; exit 1 listing the problems."""
    problems, warnings = deploy_problems(current_app)
    for w in warnings:
        click.echo(f"warning: {w}")
    for p in problems:
        click.echo(f"FAIL: {p}")
    if problems:
        raise SystemExit(1)
    click.echo("OK: the configuration is fit for production.")
