"""Certificates: the staff page (status, re-evaluation window and filing, renewal, revocation, upgrade)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import clock, rules, workflow
from ..extensions import db
from ..forms import ActionForm
from ..models import Certificate, CertificateStatus, Product
from ..permissions import STAFF, access, get_product_or_404, roles
from ..products.operations import Conflict, InvalidInput
from ..rendering import redirect_to, render
from ..workflow import Role
from . import operations, reevaluation
from .forms import RenewForm, RevokeForm

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


def _page(cert: Certificate, form: RevokeForm | None = None, status: int = 200, renew_form: RenewForm | None = None,
          reevaluation_error: str | None = None, revoke_error: str | None = None):
    today = clock.today()
    latest = reevaluation.latest_for(cert)
    governing = reevaluation.governing_rule_set(cert, today)
    return render("certificates/detail.html", "certificates/_panel.html", status=status, cert=cert,
                  today=today, status_now=cert.status_on(today), window=cert.reevaluation_window(),
                  in_window=cert.in_reevaluation_window(today), form=form or _revoke_form(),
                  central=reevaluation.central(cert, today),
                  can_revoke=operations.may_revoke(cert, current_user),
                  grounds={g["code"]: g["label"] for g in rules.revocation_grounds(today)},
                  reeval=latest, can_file=reevaluation.can_file(cert, current_user),
                  can_confirm=reevaluation.may_confirm(latest, current_user),
                  renew_form=renew_form or RenewForm(formdata=None), reevaluation_error=reevaluation_error,
                  revoke_error=revoke_error,
                  window_finish_days=governing.deadlines["reevaluation_finish_days"] if governing else None)


@bp.get("/certificates/<int:certificate_id>")
@access(STAFF)
def detail(certificate_id: int):
    return _page(_certificate_in_scope(certificate_id))


@bp.post("/certificates/<int:certificate_id>/revoke")
@access(roles(Role.DISTRICT_APPROVER, Role.CITY_APPROVER))
def revoke(certificate_id: int):
    cert = _certificate_in_scope(certificate_id)
    form = _revoke_form(request.form)
    # a certificate not valid today is refused by operations.revoke, whatever was typed
    if not form.validate() and cert.status_on(clock.today()) is CertificateStatus.VALID:
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
        cert = db.session.get(Certificate, certificate_id)
        # a certificate not valid today has no revocation form to carry the message: say it above
        hidden = cert.status_on(clock.today()) is not CertificateStatus.VALID
        return _page(cert, form, 422, revoke_error=" ".join(str(m) for m in exc.errors.values()) if hidden else None)
    except Conflict as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _page(db.session.get(Certificate, certificate_id), form, 409)
    db.session.commit()
    return redirect_to(url_for("certificates.detail", certificate_id=cert.id),
                       _("Certificate revoked. The public register no longer shows its stars."))


@bp.post("/certificates/<int:certificate_id>/reevaluation")
@access(roles(*reevaluation.FILING_ROLES))
def file_reevaluation(certificate_id: int):
    """File the certificate's re-evaluation (QĐ 26/2026 Điều 4): inside its window only."""
    cert = _certificate_in_scope(certificate_id)
    if not ActionForm().validate():
        abort(400)
    try:
        reevaluation.file(cert, current_user)
    except workflow.TransitionDenied as exc:
        db.session.rollback()
        abort(403, description=str(exc.message))
    except (InvalidInput, Conflict) as exc:
        db.session.rollback()
        status = 409 if isinstance(exc, Conflict) else 422
        message = str(exc.message) if isinstance(exc, Conflict) else " ".join(str(m) for m in exc.errors.values())
        return _page(db.session.get(Certificate, certificate_id), status=status, reevaluation_error=message)
    db.session.commit()
    return redirect_to(url_for("certificates.detail", certificate_id=cert.id),
                       _("Re-evaluation filed. The city puts it into a round decided by written opinion."))


@bp.post("/certificates/<int:certificate_id>/reevaluation/confirm")
@access(roles(Role.DISTRICT_APPROVER, Role.CITY_APPROVER))
def confirm_renewal(certificate_id: int):
    """The recognising level's approver confirms the council's renewal and issues the new certificate."""
    cert = _certificate_in_scope(certificate_id)
    latest = reevaluation.latest_for(cert)
    if cert.revoked_on is not None and latest is not None and latest.decided and latest.new_certificate_id is None:
        flash(str(reevaluation.revoked_meanwhile(cert)), "error")  # revoked while the form was open
        return _page(cert, status=409)
    if not reevaluation.may_confirm(latest, current_user):
        abort(403, description=_("Only the approver of the level that recognises these stars confirms the "
                                 "renewal, once the council has renewed it."))
    form = RenewForm()
    if not form.validate():
        return _page(cert, status=422, renew_form=form)
    try:
        new = reevaluation.confirm(latest, current_user, decision_no=form.decision_no.data or "",
                                   signed_on=form.signed_on.data, certificate_no=form.certificate_no.data or "")
    except workflow.TransitionDenied as exc:
        db.session.rollback()
        abort(403, description=str(exc.message))
    except InvalidInput as exc:
        db.session.rollback()
        for name, message in exc.errors.items():
            getattr(form, name).errors = [message]
        return _page(db.session.get(Certificate, certificate_id), status=422, renew_form=form)
    except Conflict as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _page(db.session.get(Certificate, certificate_id), status=409, renew_form=form)
    db.session.commit()
    return redirect_to(url_for("certificates.detail", certificate_id=new.id),
                       _("Renewal confirmed: the new certificate replaces the old one."))


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
