"""Certificates: the staff page (status, re-evaluation window, revocation, upgrade) and the public check."""

from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import clock, rules, workflow
from ..extensions import db
from ..models import Certificate, Product
from ..permissions import STAFF, access, get_product_or_404, roles
from ..products.operations import InvalidInput
from ..rendering import redirect_to, render
from ..workflow import Role
from . import operations
from .forms import RevokeForm

bp = Blueprint("certificates", __name__)


def _certificate_in_scope(certificate_id: int) -> Certificate:
    cert = db.session.get(Certificate, certificate_id)
    if cert is None:
        abort(404)
    get_product_or_404(cert.product_id, current_user)  # out of scope → 404
    return cert


def _revoke_form(formdata=None) -> RevokeForm:
    form = RevokeForm(formdata=formdata)
    form.ground.choices = [("", _("— choose —"))] + [
        (g["code"], g["label"]) for g in rules.revocation_grounds(clock.today())]
    return form


def _page(cert: Certificate, form: RevokeForm | None = None, status: int = 200):
    today = clock.today()
    return render("certificates/detail.html", "certificates/_panel.html", status=status, cert=cert,
                  today=today, status_now=cert.status_on(today), window=cert.reevaluation_window(),
                  in_window=cert.in_reevaluation_window(today), form=form or _revoke_form(),
                  can_revoke=operations.may_revoke(cert, current_user),
                  grounds={g["code"]: g["label"] for g in rules.revocation_grounds(today)})


@bp.get("/certificates/<int:certificate_id>")
@access(STAFF)
def detail(certificate_id: int):
    return _page(_certificate_in_scope(certificate_id))


@bp.post("/certificates/<int:certificate_id>/revoke")
@access(roles(Role.DISTRICT_APPROVER, Role.CITY_APPROVER))
def revoke(certificate_id: int):
    cert = _certificate_in_scope(certificate_id)
    form = _revoke_form(request.form)
    if not form.validate():
        return _page(cert, form, 422)
    try:
        operations.revoke(cert, current_user, ground=form.ground.data, decision_no=form.decision_no.data,
                          note=form.note.data or "")
    except workflow.TransitionDenied as exc:
        db.session.rollback()
        abort(403, description=str(exc.message))
    except InvalidInput as exc:
        db.session.rollback()
        for name, message in exc.errors.items():
            getattr(form, name).errors = [message]
        return _page(db.session.get(Certificate, certificate_id), form, 422)
    db.session.commit()
    return redirect_to(url_for("certificates.detail", certificate_id=cert.id),
                       _("Certificate revoked. The public register no longer shows its stars."))


@bp.post("/products/<int:product_id>/upgrade")
@access(roles(Role.COMMUNE_STAFF))
def start_upgrade(product_id: int):
    product = get_product_or_404(product_id, current_user)
    try:
        passage = operations.start_upgrade(product, current_user)
    except workflow.TransitionDenied as exc:
        db.session.rollback()
        abort(403, description=str(exc.message))
    db.session.commit()
    return redirect_to(url_for("products.product_detail", product_id=passage.id),
                       _("Upgrade opened as a new dossier. Submit it when it is ready."))


__all__ = ["bp", "Product"]
