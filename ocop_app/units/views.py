"""Administrative change: the list of records of split units waiting for a person to confirm their new commune."""

from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..forms import ActionForm
from ..models import AdminUnit, Relocation
from ..permissions import access, roles
from ..products.operations import InvalidInput
from ..rendering import redirect_to, render
from ..workflow import Level, Role
from . import operations

bp = Blueprint("units", __name__)

#: Who works through the confirmation list: the administrator, and the city/province's OCOP officers.
CONFIRMERS = (Role.ADMIN, Role.CITY_STAFF)


def _in_scope(relocation: Relocation) -> bool:
    if Role(current_user.role) is Role.ADMIN:
        return True
    city = relocation.old_unit.ancestor(Level.CITY)
    return city is not None and city.id == current_user.unit_id


def _rows(errors: dict | None = None):
    pending = db.session.scalars(
        select(Relocation).where(Relocation.decided_at.is_(None)).order_by(Relocation.old_unit_id, Relocation.id)
    ).all()
    rows = []
    for r in pending:
        if _in_scope(r):
            rows.append((r, operations.subject_of(r), operations.candidates(r), (errors or {}).get(r.id)))
    return rows


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
    relocation = db.session.get(Relocation, relocation_id)
    if relocation is None or not _in_scope(relocation):
        abort(404)
    if not ActionForm().validate():
        abort(400)
    unit_id = request.form.get("unit", "")
    try:
        operations.confirm(relocation, int(unit_id) if unit_id.isdigit() else None, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return _page({relocation_id: exc.errors["unit"]}, 422)
    db.session.commit()
    return redirect_to(url_for("units.relocations"), _("Moved to %(unit)s.",
                       unit=db.session.get(AdminUnit, int(unit_id)).display_name))
