"""Log in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from ..extensions import db
from ..models import User
from ..permissions import PUBLIC, STAFF, access
from ..rendering import redirect_to, render
from .forms import LoginForm

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else ``None`` (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@access(PUBLIC)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalars(select(User).where(User.username == form.username.data.strip())).first()
        if user is not None and user.active and user.check_password(form.password.data):
            session.clear()  # new session at login
            login_user(user)
            current_app.logger.info("login ok user=%s addr=%s", user.username, request.remote_addr)
            target = safe_next(request.args.get("next")) or url_for("products.home")
            return redirect_to(target, _("Welcome, %(name)s.", name=user.full_name))
        current_app.logger.warning("login failed username=%r addr=%s", form.username.data, request.remote_addr)
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
    logout_user()
    session.clear()
    return redirect_to(url_for("public.index"), _("You have logged out."))
