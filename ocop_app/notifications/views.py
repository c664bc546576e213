"""In-app notifications: the list, mark as read, and the unread badge."""

from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import clock
from ..extensions import db
from ..forms import ActionForm
from ..models import Notification
from ..permissions import STAFF, access
from ..rendering import is_htmx, redirect_to, render
from .reminders import unread_count

bp = Blueprint("notifications", __name__)


def _list_context():
    items = db.session.scalars(
        select(Notification).where(Notification.user_id == current_user.id)
        .order_by(Notification.read_at.isnot(None), Notification.id.desc()).limit(200)
    ).all()
    return {"items": items, "unread": unread_count(current_user), "form": ActionForm()}


@bp.get("/notifications")
@access(STAFF)
def index():
    return render("notifications/index.html", "notifications/_list.html", **_list_context())


@bp.get("/notifications/count")
@access(STAFF)
def count():
    return render("notifications/_badge.html", "notifications/_badge.html", unread=unread_count(current_user))


@bp.post("/notifications/read")
@access(STAFF)
def mark_read():
    """Mark one (``id``) or all of the user's notifications as read.

    An ``id`` that is not one of the user's own notifications → 404 (another user's is not revealed).
    """
    form = ActionForm()
    if not form.validate():
        abort(400)
    stmt = select(Notification).where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
    ident = request.form.get("id", "")
    if ident:
        if not ident.isdigit():
            abort(400)
        mine = db.session.scalars(select(Notification.id).where(
            Notification.id == int(ident), Notification.user_id == current_user.id)).first() if len(ident) < 19 else None
        if mine is None:
            abort(404)
        stmt = stmt.where(Notification.id == mine)
    for item in db.session.scalars(stmt):
        item.read_at = clock.now()
    db.session.commit()
    if is_htmx():
        response = render("notifications/_list.html", **_list_context())
        response.headers["HX-Trigger"] = "notificationsChanged"
        return response
    return redirect_to(url_for("notifications.index"), _("Marked as read."))
