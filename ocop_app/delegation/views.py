"""Delegations: an approver names a substitute for a date range and can cancel it."""

from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from .. import clock
from ..extensions import db
from ..forms import ActionForm
from ..models import Delegation, User
from ..permissions import STAFF, access, roles
from ..products.operations import InvalidInput
from ..rendering import redirect_to, render
from ..workflow import Role
from . import operations
from .forms import DelegationForm

bp = Blueprint("delegation", __name__)


def _form(formdata=None) -> DelegationForm:
    form = DelegationForm(formdata=formdata)
    colleagues = db.session.scalars(select(User).where(
        User.unit_id == current_user.unit_id, User.id != current_user.id, User.active.is_(True),
        User.role.not_in([Role.ADMIN.value, current_user.role])).order_by(User.full_name)).all() \
        if current_user.unit_id else []  # a fellow approver of the same role needs no delegation
    form.substitute.choices = [(u.id, f"{u.full_name} ({u.username})") for u in colleagues]
    return form


def _page(form=None, status: int = 200):
    items = db.session.scalars(select(Delegation).where(
        or_(Delegation.principal_id == current_user.id, Delegation.substitute_id == current_user.id)
    ).order_by(Delegation.starts_on.desc(), Delegation.id.desc())).all()
    can_delegate = Role(current_user.role) in operations.APPROVER_ROLES
    return render("delegation/index.html", "delegation/_form.html", status=status, items=items,
                  form=form or (_form() if can_delegate else None), can_delegate=can_delegate,
                  today=clock.today(), action_form=ActionForm())


@bp.get("/delegations")
@access(STAFF)
def index():
    return _page()


@bp.post("/delegations")
@access(roles(*operations.APPROVER_ROLES))
def create():
    form = _form(request.form)
    if not form.validate():
        return _page(form, 422)
    try:
        operations.create(current_user, db.session.get(User, form.substitute.data), form.starts_on.data,
                          form.ends_on.data, form.reason.data or "")
    except InvalidInput as exc:
        db.session.rollback()
        for name, message in exc.errors.items():
            getattr(form, name).errors = [message]
        return _page(form, 422)
    db.session.commit()
    return redirect_to(url_for("delegation.index"), _("Substitute named."))


@bp.post("/delegations/<int:delegation_id>/cancel")
@access(roles(*operations.APPROVER_ROLES))
def cancel(delegation_id: int):
    if not ActionForm().validate():
        abort(400)
    delegation = db.session.get(Delegation, delegation_id)
    if delegation is None or delegation.principal_id != current_user.id:
        abort(404)
    operations.cancel(delegation)
    db.session.commit()
    return redirect_to(url_for("delegation.index"), _("Delegation cancelled."))
