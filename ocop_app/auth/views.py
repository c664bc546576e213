"""Log in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from ..extensions import db
from ..models import User
from ..permissions import PUBLIC, STAFF, access
from ..rendering import redirect_to, render
from ..security import LoginThrottle, start_session
from .forms import LoginForm, PasswordChangeForm, password_needs_rehash

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else ``None`` (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _locked_response(form, throttle: LoginThrottle):
    form.password.errors = [_(
        "Too many failed attempts. Logging in is locked for up to %(minutes)s minutes; "
        "try again later or ask the administrator.", minutes=throttle.lock_minutes())]
    return render("auth/login.html", status=429, form=form)


@bp.route("/login", methods=["GET", "POST"])
@access(PUBLIC)
def login():
    """Log in. Failed attempts are counted per account name and per address
    (:class:`~ocop_app.security.LoginThrottle`); unknown names and wrong
    passwords get the same answer."""
    form = LoginForm()
    if form.validate_on_submit():
        username, address = form.username.data.strip(), request.remote_addr
        throttle = LoginThrottle()
        if throttle.locked(username, address):
            current_app.logger.warning("login locked username=%r addr=%s", username, address)
            return _locked_response(form, throttle)
        user = db.session.scalars(select(User).where(User.username == username)).first()
        if user is not None and user.active and user.check_password(form.password.data):
            if password_needs_rehash(user.password_hash):
                user.set_password(form.password.data)
                db.session.commit()
            session.clear()  # new session at login
            login_user(user)
            start_session()
            current_app.logger.info("login ok user=%s addr=%s", user.username, address)
            target = safe_next(request.args.get("next")) or url_for("products.home")
            return redirect_to(target, _("Welcome, %(name)s.", name=user.full_name))
        current_app.logger.warning("login failed username=%r addr=%s", username, address)
        if throttle.failed(username, address):
            return _locked_response(form, throttle)
        form.password.errors = [_("Wrong username or password.")]
        return render("auth/login.html", status=401, form=form)
    status = 422 if form.is_submitted() else 200
    if current_user.is_authenticated and request.method == "GET":
        return redirect_to(url_for("products.home"))
    return render("auth/login.html", status=status, form=form)


@bp.post("/logout")
@access(STAFF)
def logout():
    user = db.session.get(User, current_user.id)
    user.session_epoch += 1  # ends this user's sessions everywhere
    db.session.commit()
    current_app.logger.info("logout user=%s addr=%s", user.username, request.remote_addr)
    logout_user()
    session.clear()
    return redirect_to(url_for("public.index"), _("You have logged out."))


@bp.route("/password", methods=["GET", "POST"])
@access(STAFF)
def change_password():
    """Change one's own password; every other session of the user ends, this one is renewed."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = db.session.get(User, current_user.id)
        if not user.check_password(form.current_password.data):
            current_app.logger.warning("password change refused user=%s addr=%s", user.username, request.remote_addr)
            form.current_password.errors = [_("The current password is wrong.")]
            return render("auth/password.html", "auth/_password_form.html", status=422, form=form)
        user.set_password(form.new_password.data)
        user.session_epoch += 1  # ends the user's sessions everywhere
        db.session.commit()
        current_app.logger.info("password changed user=%s addr=%s", user.username, request.remote_addr)
        session.clear()
        login_user(user)  # this browser continues with a new session
        start_session()
        return redirect_to(url_for("products.home"),
                           _("Your password has been changed. Your other sessions have been logged out."))
    status = 422 if form.is_submitted() else 200
    return render("auth/password.html", "auth/_password_form.html", status=status, form=form)
