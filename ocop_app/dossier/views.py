"""Staff pages: a product's dossier (hồ sơ), its upgrade plan, its self-assessment, and file downloads."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import workflow
from ..extensions import db
from ..forms import ActionForm
from ..models import DossierItem, SelfAssessment, StoredFile, UpgradeAction
from ..permissions import STAFF, access, get_product_or_404, roles
from ..products.operations import InvalidInput
from ..rendering import is_htmx, redirect_to, render
from ..workflow import Role
from . import checklist, operations, selfscore, storage
from .forms import DossierDatesForm, DossierFileForm, PlannedDateForm, UpgradeActionForm

bp = Blueprint("dossier", __name__)

#: Who may change a product's dossier (the commune receives it, the district completes it).
DOSSIER_EDITORS = (Role.COMMUNE_STAFF, Role.DISTRICT_STAFF)
#: Roles that may keep an upgrade plan; which one keeps a given product's depends on its chain
#: (:func:`ocop_app.workflow.upgrade_plan_roles`): district staff, or city staff under commune → city.
PLAN_EDITORS = (Role.DISTRICT_STAFF, Role.CITY_STAFF)


def _keeps_plan(product) -> bool:
    return Role(current_user.role) in workflow.upgrade_plan_roles(product) and not workflow.unit_ended(current_user)


def _plan_keeper_or_403(product) -> None:
    if not _keeps_plan(product):
        roles = ", ".join(str(r.label) for r in sorted(workflow.upgrade_plan_roles(product)))
        abort(403, description=_("The upgrade plan of this product is kept by: %(roles)s.", roles=roles))


def _can(*allowed: Role) -> bool:
    return Role(current_user.role) in allowed


def _editable_or_403(product) -> None:
    if operations.frozen(product):
        abort(403, description=_("The product has been sent to evaluation; its dossier and upgrade plan "
                                 "can no longer be changed."))


def _set_errors(form, errors: dict) -> None:
    """Put an operation's ``InvalidInput`` messages on the form's fields of the same name."""
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors or []) + [message]


# --------------------------------------------------------------------------
# Dossier
# --------------------------------------------------------------------------


def _dossier_context(product, upload_form=None, date_form=None):
    on = operations.planned_evaluation_date(product)
    if date_form is None:
        date_form = PlannedDateForm(formdata=None, planned_evaluation_on=operations.own_planned_date(product))
    return {
        "product": product,
        "rows": operations.checklist_rows(product, on),
        "problems": operations.dossier_problems(product),
        "planned_on": on,
        "planned_from_round": on is not None and operations.own_planned_date(product) is None,
        "upload_form": upload_form or DossierFileForm(formdata=None),
        "date_form": date_form,
        "can_upload": _can(*DOSSIER_EDITORS) and not operations.frozen(product),
        "can_plan": _keeps_plan(product) and not operations.frozen(product),
        "frozen": operations.frozen(product),
        "max_mb": storage.max_bytes() // (1024 * 1024),
    }


@bp.get("/products/<int:product_id>")
@access(STAFF)
def dossier(product_id: int):
    product = get_product_or_404(product_id, current_user)
    return render("dossier/dossier.html", "dossier/_dossier.html", **_dossier_context(product))


@bp.post("/products/<int:product_id>/files")
@access(roles(*DOSSIER_EDITORS))
def upload(product_id: int):
    product = get_product_or_404(product_id, current_user)
    _editable_or_403(product)
    form = DossierFileForm()
    if form.validate():
        try:
            checked = storage.check_upload(request.files.get("file"))
            operations.add_dossier_file(product, current_user, form.code.data, checked,
                                        issued_on=form.issued_on.data, expires_on=form.expires_on.data,
                                        note=form.note.data or "")
        except storage.UploadRefused as exc:
            db.session.rollback()
            form.file.errors = [exc.message]
        except InvalidInput as exc:
            db.session.rollback()
            _set_errors(form, exc.errors)
        else:
            db.session.commit()
            message = _("File “%(name)s” added to the dossier.", name=checked.original_name)
            if is_htmx():
                flash(message, "success")
                return render("dossier/dossier.html", "dossier/_dossier.html", **_dossier_context(product))
            return redirect_to(url_for("dossier.dossier", product_id=product.id), message)
    flash(_("The file was not added: please correct the highlighted fields."), "error")
    return render("dossier/dossier.html", "dossier/_dossier.html", status=422,
                  **_dossier_context(product, upload_form=form))


@bp.post("/products/<int:product_id>/items/<int:item_id>/dates")
@access(roles(*DOSSIER_EDITORS))
def item_dates(product_id: int, item_id: int):
    product = get_product_or_404(product_id, current_user)
    _editable_or_403(product)
    item = db.session.get(DossierItem, item_id)
    if item is None or item.product_id != product.id:
        abort(404)
    form = DossierDatesForm()
    if form.validate():
        try:
            operations.update_dossier_dates(item, current_user, form.issued_on.data, form.expires_on.data)
        except InvalidInput as exc:
            db.session.rollback()
            flash(" ".join(str(m) for m in exc.errors.values()), "error")
        else:
            db.session.commit()
            return redirect_to(url_for("dossier.dossier", product_id=product.id), _("Dates saved."))
    else:
        flash(" ".join(str(e) for errs in form.errors.values() for e in errs), "error")
    return render("dossier/dossier.html", "dossier/_dossier.html", status=422, **_dossier_context(product))


@bp.post("/products/<int:product_id>/planned-date")
@access(roles(*PLAN_EDITORS))
def planned_date(product_id: int):
    product = get_product_or_404(product_id, current_user)
    _plan_keeper_or_403(product)
    _editable_or_403(product)
    form = PlannedDateForm()
    if form.validate():
        operations.set_planned_evaluation_date(product, current_user, form.planned_evaluation_on.data)
        db.session.commit()
        return redirect_to(url_for("dossier.dossier", product_id=product.id), _("Planned evaluation date saved."))
    return render("dossier/dossier.html", "dossier/_dossier.html", status=422,
                  **_dossier_context(product, date_form=form))


@bp.post("/products/<int:product_id>/files/<int:file_id>/delete")
@access(roles(*DOSSIER_EDITORS))
def delete_file(product_id: int, file_id: int):
    """Remove a wrongly uploaded dossier file (the row, then the stored file)."""
    product = get_product_or_404(product_id, current_user)
    _editable_or_403(product)
    row = db.session.get(StoredFile, file_id)
    if row is None or row.product_id != product.id or row.dossier_item_id is None:
        abort(404)
    if not ActionForm().validate():
        abort(400)
    original_name = row.original_name
    stored_name = operations.remove_file(row)
    db.session.commit()
    operations.discard_stored(stored_name)
    return redirect_to(url_for("dossier.dossier", product_id=product.id),
                       _("File “%(name)s” removed.", name=original_name))


@bp.get("/files/<int:file_id>")
@access(STAFF)
def download(file_id: int):
    """A stored file, as a download under its original name; out of the user's scope → 404."""
    row = db.session.get(StoredFile, file_id)
    if row is None:
        abort(404)
    get_product_or_404(row.product_id, current_user)
    try:
        path = storage.path_of(row.stored_name)
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        current_app.logger.error("stored file %s (id %s) is missing", row.stored_name, row.id)
        abort(404)
    response = send_file(path, mimetype=row.content_type, as_attachment=True, download_name=row.original_name,
                         max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --------------------------------------------------------------------------
# Upgrade plan
# --------------------------------------------------------------------------


def _plan_context(product, form=None, editing=None):
    actions = db.session.scalars(
        select(UpgradeAction).where(UpgradeAction.product_id == product.id).order_by(UpgradeAction.id)
    ).all()
    return {
        "product": product,
        "actions": actions,
        "problems": operations.plan_problems(product),
        "form": form or UpgradeActionForm(formdata=None),
        "editing": editing,
        "can_edit": _keeps_plan(product) and not operations.frozen(product),
        "frozen": operations.frozen(product),
        "checklist": checklist,
    }


@bp.get("/products/<int:product_id>/plan")
@access(STAFF)
def plan(product_id: int):
    product = get_product_or_404(product_id, current_user)
    return render("dossier/plan.html", "dossier/_plan.html", **_plan_context(product))


def _save_action(product, action):
    form = UpgradeActionForm()
    if form.validate():
        try:
            evidence = request.files.get("evidence")
            checked = storage.check_upload(evidence) if evidence and evidence.filename else None
            operations.save_action(
                product, current_user, action, kind=form.kind.data, description=form.description.data,
                status=form.status.data, drop_reason=form.drop_reason.data, cost_vnd=form.cost.data,
                funding=form.funding.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                evidence=checked,
            )
        except storage.UploadRefused as exc:
            db.session.rollback()
            form.evidence.errors = [exc.message]
        except InvalidInput as exc:
            db.session.rollback()
            _set_errors(form, exc.errors)
        else:
            db.session.commit()
            return redirect_to(url_for("dossier.plan", product_id=product.id), _("Upgrade plan saved."))
    flash(_("Nothing was saved: please correct the highlighted fields."), "error")
    return render("dossier/plan.html", "dossier/_plan.html", status=422,
                  **_plan_context(product, form=form, editing=action))


@bp.post("/products/<int:product_id>/plan")
@access(roles(*PLAN_EDITORS))
def plan_add(product_id: int):
    product = get_product_or_404(product_id, current_user)
    _plan_keeper_or_403(product)
    _editable_or_403(product)
    return _save_action(product, None)


@bp.route("/products/<int:product_id>/plan/<int:action_id>", methods=["GET", "POST"])
@access(roles(*PLAN_EDITORS))
def plan_edit(product_id: int, action_id: int):
    product = get_product_or_404(product_id, current_user)
    _plan_keeper_or_403(product)
    action = db.session.get(UpgradeAction, action_id)
    if action is None or action.product_id != product.id:
        abort(404)
    if request.method == "POST":
        _editable_or_403(product)
        return _save_action(product, action)
    form = UpgradeActionForm(formdata=None, obj=action)
    form.cost.data = action.cost_vnd
    form.funding.data = action.funding or ""
    return render("dossier/plan.html", "dossier/_plan.html", **_plan_context(product, form=form, editing=action))


# --------------------------------------------------------------------------
# Self-assessment (mẫu 02)
# --------------------------------------------------------------------------


def council_results(product) -> dict[str, float]:
    """The council's mean points per criterion code for ``product``, or ``{}`` when it has not scored:
    the submitted sheets of its latest closed evaluation round (:func:`ocop_app.evaluation.operations.council_means`)."""
    from ..evaluation.operations import council_means

    return council_means(product)


def _assessment_context(product, errors=None, chosen=None):
    sheet_set = selfscore.sheet_for(product)
    row = db.session.scalars(select(SelfAssessment).where(SelfAssessment.product_id == product.id)).first()
    if chosen is None:
        chosen = {c.criterion_code: c.option_index for c in row.choices} if row and sheet_set and (
            row.sheet_version, row.set_no) == (product.rule_set.sheet_version, sheet_set.no) else {}
    self_points = selfscore.points_of(sheet_set, chosen) if sheet_set else {}
    council = council_results(product)
    comparison = selfscore.compare(sheet_set, self_points, council) if sheet_set and council else None
    return {
        "product": product,
        "sheet_set": sheet_set,
        "chosen": chosen,
        "totals": selfscore.part_totals(sheet_set, self_points) if sheet_set else {},
        "answered": len(self_points),
        "criteria_count": sum(1 for _ in sheet_set.iter_criteria()) if sheet_set else 0,
        "comparison": comparison,
        "errors": errors or [],
        "form": ActionForm(),
        "can_edit": _can(*DOSSIER_EDITORS),
        "assessment": row,
    }


@bp.route("/products/<int:product_id>/self-assessment", methods=["GET"])
@access(STAFF)
def self_assessment(product_id: int):
    product = get_product_or_404(product_id, current_user)
    return render("dossier/self_assessment.html", "dossier/_self_assessment.html", **_assessment_context(product))


@bp.post("/products/<int:product_id>/self-assessment")
@access(roles(*DOSSIER_EDITORS))
def self_assessment_save(product_id: int):
    product = get_product_or_404(product_id, current_user)
    form = ActionForm()
    sheet_set = selfscore.sheet_for(product)
    if sheet_set is None:
        abort(404)
    chosen, errors = {}, []
    for _p, _g, c in sheet_set.iter_criteria():
        raw = request.form.get(f"c-{c.code}", "")
        if raw == "":
            continue
        if not raw.isdigit() or int(raw) >= len(c.options):
            errors.append(_("Criterion %(code)s: choose one of the options.", code=c.code))
            continue
        chosen[c.code] = int(raw)
    if not form.validate() or errors:
        flash(_("Nothing was saved: please correct the highlighted fields."), "error")
        return render("dossier/self_assessment.html", "dossier/_self_assessment.html", status=422,
                      **_assessment_context(product, errors=errors, chosen=chosen))
    operations.save_self_assessment(product, current_user, product.rule_set.sheet_version, sheet_set.no, chosen)
    db.session.commit()
    return redirect_to(url_for("dossier.self_assessment", product_id=product.id), _("Self-assessment saved."))
