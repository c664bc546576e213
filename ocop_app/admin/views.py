"""Administration: the list of users, deactivating and re-activating accounts."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..forms import ActionForm
from ..models import User
from ..permissions import access, roles
from ..rendering import is_htmx, redirect_to, render
from ..workflow import Role

bp = Blueprint("admin", __name__)


@bp.get("/users")
@access(roles(Role.ADMIN))
def users():
    rows = db.session.scalars(select(User).order_by(User.role, User.username)).all()
    return render("admin/users.html", users=rows)


def _set_active(user_id: int, active: bool):
    form = ActionForm()
    if not form.validate():
        abort(400)
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if user.id == current_user.id and not active:
        abort(403, description=_("You cannot deactivate your own account."))
    if bool(user.active) != active:
        user.active = active
        user.session_epoch += 1  # ends the user's open sessions at their next request
        db.session.commit()
        current_app.logger.info("user %s %s by %s addr=%s", user.username,
                                "activated" if active else "deactivated", current_user.username, request.remote_addr)
    message = _("%(name)s can log in again.", name=user.username) if active else \
        _("%(name)s is deactivated; their sessions have ended.", name=user.username)
    if is_htmx():
        return render("admin/_user_row.html", "admin/_user_row.html", user=user)
    return redirect_to(url_for("admin.users"), message)


@bp.post("/users/<int:user_id>/deactivate")
@access(roles(Role.ADMIN))
def deactivate_user(user_id: int):
    return _set_active(user_id, False)


@bp.post("/users/<int:user_id>/activate")
@access(roles(Role.ADMIN))
def activate_user(user_id: int):
    return _set_active(user_id, True)
