"""Administrative change: the list of products of split units waiting for a person to confirm their new
commune, and the administrator's review of accounts whose unit has ended."""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..forms import ActionForm
from ..models import AccountEvent, AccountReview, AdminUnit, Relocation
from ..permissions import access, roles
from ..products.operations import Conflict, InvalidInput
from ..rendering import redirect_to, render
from ..workflow import Role
from . import accounts, operations

bp = Blueprint("units", __name__)

#: Who works through the confirmation list: the administrator, and the city/province's OCOP officers.
CONFIRMERS = (Role.ADMIN, Role.CITY_STAFF)


def _in_scope(relocation: Relocation) -> bool:
    return operations.confirms(relocation, current_user)


def _rows(errors: dict | None = None):
    return [(r, operations.subject_of(r), operations.candidates(r), (errors or {}).get(r.id))
            for r in operations.waiting_relocations(current_user)]


def _page(errors=None, status=200):
    return render("units/relocations.html", "units/_relocations.html", status=status, rows=_rows(errors),
                  form=ActionForm())


@bp.get("/relocations")
@access(roles(*CONFIRMERS))
def relocations():
    return _page()


@bp.post("/relocations/<int:relocation_id>")
@access(roles(*CONFIRMERS))
def confirm(relocation_id: int):
    """Confirm one record's new commune: 303 (or the re-rendered list for htmx) when moved, 422 for a
    commune the resolution does not name, 409 with who confirmed it and where if already done."""
    relocation = db.session.get(Relocation, relocation_id)
    if relocation is None or relocation.subject_type != "product" or not _in_scope(relocation):
        abort(404)  # accounts are decided on the administrator's account review (accounts_review)
    if not ActionForm().validate():
        abort(400)
    unit_id = request.form.get("unit", "")
    try:
        operations.confirm(relocation, int(unit_id) if unit_id.isdigit() else None, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return _page({relocation_id: exc.errors["unit"]}, 422)
    except Conflict as exc:  # already confirmed (a second official, or a double click): say by whom
        db.session.rollback()
        flash(str(exc.message), "error")
        return _page(status=409)
    db.session.commit()
    return redirect_to(url_for("units.relocations"), _("Moved to %(unit)s.",
                       unit=db.session.get(AdminUnit, int(unit_id)).display_name))


# --- Accounts whose unit has ended (the administrator decides, one by one) ---------------------


def _review_rows(errors: dict | None = None, typed: dict | None = None):
    pending = db.session.scalars(
        select(AccountReview).where(AccountReview.decided_at.is_(None))
        .order_by(AccountReview.old_unit_id, AccountReview.id)
    ).all()
    rows = []
    for review in pending:
        options = accounts.successors(review.old_unit)
        roles_offered = [r for r in Role if r.level is not None and any(r.level.value == u.level for u in options)]
        rows.append({"review": review, "units": options, "roles": roles_offered,
                     "errors": (errors or {}).get(review.id, {}), "typed": (typed or {}).get(review.id, {})})
    return rows


def _accounts_page(errors=None, typed=None, status=200):
    events = db.session.scalars(
        select(AccountEvent).where(AccountEvent.action != "review_opened")
        .order_by(AccountEvent.id.desc()).limit(50)
    ).all()
    return render("units/accounts.html", "units/_accounts.html", status=status,
                  rows=_review_rows(errors, typed), events=events, form=ActionForm())


@bp.get("/accounts")
@access(roles(Role.ADMIN))
def accounts_review():
    """Accounts whose unit has ended, each with the proposed action and a form to decide it."""
    return _accounts_page()


@bp.post("/accounts/<int:review_id>")
@access(roles(Role.ADMIN))
def account_decide(review_id: int):
    """Decide on one account: move (unit, role) or deactivate. 422 on bad input (what was chosen is
    kept), 409 if someone decided first, 303 (or the re-rendered list for htmx) when done."""
    review = db.session.get(AccountReview, review_id)
    if review is None:
        abort(404)
    if not ActionForm().validate():
        abort(400)
    action = request.form.get("action", "")
    unit_id = request.form.get("unit", "")
    role = request.form.get("role", "")
    typed = {review_id: {"action": action, "unit": unit_id, "role": role}}
    name = review.user.username
    try:
        accounts.decide(review, action, int(unit_id) if unit_id.isdigit() and len(unit_id) < 10 else None,
                        role, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return _accounts_page({review_id: exc.errors}, typed, 422)
    except Conflict as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _accounts_page(status=409)
    db.session.commit()
    if action == accounts.MOVE:
        unit = db.session.get(AdminUnit, int(unit_id))
        message = _("%(name)s now serves %(unit)s as %(role)s; their sessions have ended.",
                    name=name, unit=unit.display_name, role=Role(role).label)
    else:
        message = _("%(name)s is deactivated; their sessions have ended.", name=name)
    return redirect_to(url_for("units.accounts_review"), message)
