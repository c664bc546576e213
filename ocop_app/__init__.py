"""ocop-app: the OCOP programme (Mỗi xã một sản phẩm) for communes, districts and cities."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter
from flask import Flask, g, has_request_context, jsonify, request, session, url_for
from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError, generate_csrf

from . import database, security, workflow, wtforms_vi
from .extensions import babel, csrf, db, login_manager, migrate
from .permissions import policy_of, refuse_if_unit_ended
from .rendering import is_htmx, render

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("vi", "en")


class DefaultConfig:
    """Defaults; ``instance/config.py``, environment variables and ``test_config`` override them."""

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    BABEL_TRANSLATION_DIRECTORIES = "translations"
    WTF_CSRF_TIME_LIMIT = None  # token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = dt.timedelta(hours=12)
    #: A session ends after this long without a request, and this long after login whatever happens.
    SESSION_IDLE_TIMEOUT = dt.timedelta(minutes=30)
    SESSION_ABSOLUTE_LIFETIME = dt.timedelta(hours=12)
    #: Served over HTTPS (directly or behind a proxy): Secure cookies and HSTS.
    OCOP_HTTPS = False
    #: Trusted reverse proxies in front of the app (X-Forwarded-For/-Proto); 0 = none.
    PROXY_FIX_HOPS = 0
    #: Failed logins allowed per account name and per client address (Flask-Limiter notation).
    LOGIN_LIMIT_PER_ACCOUNT = "11 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "50 per 15 minutes"
    #: Shared storage for limits (``redis://…``); empty = REDIS_URL, else memory (one process).
    RATELIMIT_STORAGE_URI = ""
    REDIS_URL = ""
    #: werkzeug password hash method for new hashes; older hashes are upgraded at login.
    PASSWORD_HASH_METHOD = "scrypt"
    #: Largest uploaded file (bytes); a larger one is refused with a message and the form kept.
    UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    #: Where uploads are stored (None = instance/uploads); never under static/.
    UPLOAD_FOLDER = None
    #: Largest request body. Above UPLOAD_MAX_BYTES so that a file somewhat over the limit
    #: still reaches the form (refused with a message, other fields kept); beyond this → 413 page.
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024
    PER_PAGE = 25
    #: Rule set for new dossiers (``ocop_app/data/rule_sets.json``); None = the file's default.
    OCOP_RULE_SET = None
    #: Fixed "today" (a date) for tests and catch-up runs; None = the real date (``ocop_app.clock``).
    OCOP_TODAY = None
    #: SMTP server for reminder e-mails (``ocop_app.notifications.mailer``); None = keep them in the outbox.
    MAIL_SERVER = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_FROM = "ocop@localhost"
    MAIL_TIMEOUT = 10
    #: The app's public address (e.g. ``https://ocop.hanoi.gov.vn``) for QR codes and links in e-mails;
    #: None = links relative to the request (QR codes) or bare paths (e-mails).
    PUBLIC_BASE_URL = None


class SettingError(RuntimeError):
    """A setting (from ``instance/config.py`` or the environment) that the app cannot use."""


#: Settings that may also come from the environment (a systemd unit, a container), winning over
#: ``instance/config.py``; the value is parsed by the type of the default in :class:`DefaultConfig`.
ENV_SETTINGS = ("SECRET_KEY", "REDIS_URL", "RATELIMIT_STORAGE_URI", "UPLOAD_FOLDER", "OCOP_HTTPS",
                "PROXY_FIX_HOPS", "OCOP_RULE_SET", "OCOP_TODAY", "MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS",
                "MAIL_USE_SSL", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_FROM", "MAIL_TIMEOUT", "PUBLIC_BASE_URL")
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def _settings_from_environment(app: Flask) -> None:
    """Copy the non-empty :data:`ENV_SETTINGS` from ``os.environ`` into ``app.config``.

    Booleans take ``true/false``, ``1/0``, ``yes/no``, ``on/off``; whole numbers digits.

    :raises SettingError: naming the variable, when its value does not parse.
    """
    for key in ENV_SETTINGS:
        raw = os.environ.get(key, "").strip()
        if not raw:
            continue
        default = getattr(DefaultConfig, key, None)
        if isinstance(default, bool):
            if raw.lower() not in _TRUE | _FALSE:
                raise SettingError(f"{key}={raw!r}: expected true or false")
            app.config[key] = raw.lower() in _TRUE
        elif isinstance(default, int):
            if not raw.isdigit():
                raise SettingError(f"{key}={raw!r}: expected a whole number")
            app.config[key] = int(raw)
        else:
            app.config[key] = raw


def _check_settings(app: Flask) -> None:
    """Refuse to start with an ``OCOP_TODAY`` that is not a date or an ``OCOP_RULE_SET`` that
    names no rule set (``ocop_app/data/rule_sets.json``).

    :raises SettingError: naming the setting and what is expected.
    """
    from . import rules

    today = app.config.get("OCOP_TODAY")
    if today and not isinstance(today, dt.date):
        try:
            app.config["OCOP_TODAY"] = dt.date.fromisoformat(str(today))
        except ValueError:
            raise SettingError(f"OCOP_TODAY={today!r}: expected a date YYYY-MM-DD") from None
    code = app.config.get("OCOP_RULE_SET")
    if code:
        try:
            rules.get(code)
        except KeyError:
            known = ", ".join(r.code for r in rules.all_rule_sets())
            raise SettingError(f"OCOP_RULE_SET={code!r}: no such rule set (one of {known})") from None


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory.

    Configuration, later sources winning: :class:`DefaultConfig`,
    ``instance/config.py`` (if present), ``DATABASE_URL`` and the :data:`ENV_SETTINGS` from the
    environment, then ``test_config``.

    :raises SettingError: when a setting cannot be used (see :func:`_check_settings`).
    """
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(DefaultConfig)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'ocop.sqlite3'}"
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    _settings_from_environment(app)
    if test_config is not None:
        app.config.update(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = database.normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    _check_settings(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _local_secret_key(Path(app.instance_path))
        app.config["OCOP_DEV_SECRET_KEY"] = True
    security.configure(app)

    app.url_map.converters["int"] = DatabaseInt  # before any route is added
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    wtforms_vi.install()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"

    from . import models  # noqa: F401  (register models with SQLAlchemy)
    from .admin.views import bp as admin_bp
    from .auth.views import bp as auth_bp
    from .cli import register_cli
    from .dossier.views import bp as dossier_bp
    from .evaluation.views import bp as evaluation_bp
    from .products.views import bp as products_bp
    from .plans.views import bp as plans_bp
    from .public.views import bp as public_bp
    from .training.views import bp as training_bp
    from .reports.views import bp as reports_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(products_bp, url_prefix="/staff")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(training_bp, url_prefix="/staff/training")
    app.register_blueprint(dossier_bp, url_prefix="/staff/dossier")
    app.register_blueprint(reports_bp, url_prefix="/staff/reports")
    app.register_blueprint(plans_bp, url_prefix="/staff/plans")
    app.register_blueprint(evaluation_bp, url_prefix="/staff/evaluation")
    from .certificates.views import bp as certificates_bp
    from .delegation.views import bp as delegation_bp
    from .notifications.views import bp as notifications_bp
    from .units.views import bp as units_bp

    app.register_blueprint(certificates_bp, url_prefix="/staff")
    app.register_blueprint(delegation_bp, url_prefix="/staff")
    app.register_blueprint(notifications_bp, url_prefix="/staff")
    app.register_blueprint(units_bp, url_prefix="/staff/units")
    register_cli(app)

    _install_hooks(app)
    _install_template_helpers(app)
    _install_error_handlers(app)
    return app


class DatabaseInt(IntegerConverter):
    """``<int:…>`` URL parts limited to what an id column holds (signed 32 bits on PostgreSQL, and
    what SQLite can bind): a larger number is a 404, not a database error."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _local_secret_key(instance: Path) -> str:
    """A random key kept in ``instance/secret_key`` for development use."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _select_locale() -> str:
    if not has_request_context():  # a command (flask demo load): Vietnamese
        return "vi"
    lang = request.cookies.get("lang")
    if lang in LANGUAGES:
        return lang
    return "vi"


@login_manager.user_loader
def _load_user(ident: str):
    from .models import User

    try:
        user_id, epoch = (int(x) for x in ident.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_epoch != epoch or not user.active:
        return None
    return user


@login_manager.unauthorized_handler
def _unauthorized():
    from flask import flash, redirect

    login_url = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if request.headers.get("HX-Request") == "true":
        response = jsonify(error="login required")
        response.status_code = 401
        response.headers["HX-Redirect"] = login_url
        return response
    if request.path.startswith("/api/"):
        return jsonify(error="login required"), 401
    expired = g.get("session_expired")
    flash(_l("Your session has expired. Please log in again.") if expired else login_manager.login_message, "info")
    return redirect(login_url)


def _install_hooks(app: Flask) -> None:
    @app.before_request
    def _intent_and_access():
        database.read_only_intent.set(request.method in ("GET", "HEAD", "OPTIONS"))
        if request.endpoint is None:
            return None  # 404/405 handled by Flask
        if request.endpoint == "static":
            return None
        view = app.view_functions.get(request.endpoint)
        policy = policy_of(view)
        if policy is None:  # deny by default
            from flask import abort

            abort(403)
        expired = current_user.is_authenticated and security.session_expired()
        if expired:
            app.logger.info("session expired user=%s addr=%s", current_user.username, request.remote_addr)
            logout_user()
            session.clear()
        if policy.public:
            return None
        if not current_user.is_authenticated:
            g.session_expired = expired
            return login_manager.unauthorized()
        if not policy.allows(current_user):
            from flask import abort

            abort(403)
        refuse_if_unit_ended(current_user, request.endpoint, request.method)
        return None

    @app.after_request
    def _headers(response):
        response.headers.add("Vary", "HX-Request")
        return security.set_headers(response)

    @app.teardown_request
    def _reset_intent(exc):
        database.read_only_intent.set(False)


def _install_template_helpers(app: Flask) -> None:
    from . import catalog

    @app.context_processor
    def _helpers():
        return {
            "wf": workflow,
            "catalog": catalog,
            "csrf_token": generate_csrf,
            "current_lang": str(_select_locale()) if request else "vi",
            "is_htmx": is_htmx,
            "unread_notifications": _unread_notifications,
        }

    def _unread_notifications() -> int:
        from .notifications.reminders import unread_count

        return unread_count(current_user) if current_user.is_authenticated else 0

    app.jinja_env.filters["vdate"] = lambda d: format_date(d, "dd/MM/yyyy") if d else ""
    app.jinja_env.filters["vdatetime"] = lambda d: format_datetime(d, "dd/MM/yyyy HH:mm") if d else ""
    app.jinja_env.filters["vnum"] = lambda n, fmt="#,##0.##": format_decimal(n, fmt) if n is not None else ""
    app.jinja_env.globals["stars_text"] = lambda n: "★" * int(n or 0)
    from .products.timeline import describe as describe_event_detail

    app.jinja_env.filters["event_detail"] = describe_event_detail


def _install_error_handlers(app: Flask) -> None:
    messages = {
        400: _l("The request could not be understood."),
        403: _l("You are not allowed to do this."),
        404: _l("Not found."),
        405: _l("This method is not allowed here."),
        409: _l("Someone else changed this in the meantime."),
        413: _l("The upload is too large."),
        422: _l("Please correct the highlighted fields."),
        500: _l("Something went wrong on our side. The error has been recorded; please try again later."),
    }
    #: For any other status (401, 410, 429, 501, 503, …): never werkzeug's English text.
    fallback = _l("The request could not be completed.")

    def handle(error):
        code = getattr(error, "code", 500) or 500
        if code in (403, 404) and current_user.is_authenticated:
            app.logger.warning("refused %s user=%s %s %s", code, current_user.username, request.method, request.path)
        elif code == 403:
            app.logger.warning("refused 403 anonymous %s %s", request.method, request.path)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the database itself may be what failed; the page must still be sent
            app.logger.exception("rollback failed while handling %s", code)
        message = getattr(error, "description", None)
        if code >= 500 or message is None or message == getattr(type(error), "description", None):
            # werkzeug's English default → ours, translated; a server error never shows its internals
            message = messages.get(code, fallback)
        if code == 413:
            message = _l("The upload is too large: files may be at most %(mb)s MB. Go back and choose a smaller file.",
                         mb=app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024))
        if request.path.startswith("/api/"):
            return jsonify(error=str(message)), code
        return render("errors/error.html", "errors/_error.html", status=code, code=code, message=message)

    for code in (400, 403, 404, 405, 409, 413, 422, 500):
        app.register_error_handler(code, handle)
    # Every other HTTP status gets the same Vietnamese/English page. Unhandled exceptions reach
    # the 500 handler above as InternalServerError (Flask logs them first, with the traceback).
    app.register_error_handler(HTTPException, handle)

    @app.errorhandler(CSRFError)
    def _csrf(error):
        db.session.rollback()
        app.logger.warning("CSRF refused: %s %s", request.path, error.description)
        message = _l("Your form has expired or was not sent from this site. Please reload the page and try again.")
        return render("errors/error.html", "errors/_error.html", status=400, code=400, message=message)
