"""Evaluation rounds: set-up, council members' score sheets, results, minutes and export."""

from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, or_, select

from .. import rules
from ..extensions import db
from ..forms import STALE_PAGE, stale_version
from ..models import (AdminUnit, CouncilMember, Disqualification, EvaluationRound, Product, Reevaluation, RoundProduct,
                      ScoreSheet, SheetStatus, User)
from ..permissions import access, roles
from ..products.operations import Conflict, InvalidInput, local_today
from ..rendering import is_htmx, redirect_to, render
from ..workflow import Level, Role, TransitionDenied
from . import operations as ops
from . import history, scoring
from .forms import AddProductForm, CloseForm, DisqualifyForm, MemberForm, ReasonForm, RoundForm

bp = Blueprint("evaluation", __name__)

VIEWERS = roles(Role.DISTRICT_STAFF, Role.DISTRICT_APPROVER, Role.DISTRICT_COUNCIL,
                Role.CITY_STAFF, Role.CITY_APPROVER, Role.CITY_COUNCIL, Role.ADMIN)
ORGANISERS = roles(Role.DISTRICT_STAFF, Role.DISTRICT_APPROVER, Role.CITY_STAFF, Role.CITY_APPROVER)
COUNCIL = roles(Role.DISTRICT_COUNCIL, Role.CITY_COUNCIL)


# --------------------------------------------------------------------------
# Loading with scope
# --------------------------------------------------------------------------


def _in_scope(round_: EvaluationRound, user) -> bool:
    """The admin sees every round; others the rounds of the unit they serve at their level and, at
    a city/province, its districts' rounds too (read-only: steps need the round's level's roles),
    so the district councils' records stay at hand after the district level ended."""
    role = Role(user.role)
    if role is Role.ADMIN or (user.unit_id == round_.unit_id and role.level == Level(round_.level)):
        return True
    return (role.level is Level.CITY and round_.level == Level.DISTRICT.value
            and round_.unit is not None and round_.unit.parent_id == user.unit_id)


def get_round_or_404(round_id: int) -> EvaluationRound:
    """The round, if the user serves its unit at its level (the admin sees all); else 404."""
    round_ = db.session.get(EvaluationRound, round_id)
    if round_ is None or not _in_scope(round_, current_user):
        abort(404)
    return round_


def get_entry_or_404(round_: EvaluationRound, entry_id: int) -> RoundProduct:
    entry = db.session.get(RoundProduct, entry_id)
    if entry is None or entry.round_id != round_.id:
        abort(404)
    return entry


def my_sheet(entry: RoundProduct) -> ScoreSheet | None:
    return next((s for s in entry.sheets if s.member_id == current_user.id), None)


def can_see_scores(entry: RoundProduct, user) -> bool:
    """Members' sheets and totals for a product are shown once the round is closed; before,
    only to a scoring member who has submitted their own sheet for that product."""
    if entry.round.closed:
        return True
    own = next((s for s in entry.sheets if s.member_id == user.id), None)
    return own is not None and own.status == SheetStatus.SUBMITTED.value


def _require_organiser(round_: EvaluationRound) -> None:
    if not ops.is_organiser(round_, current_user):
        abort(403, description=_("Only the officers and approvers of this unit set up the round."))


# --------------------------------------------------------------------------
# Rounds
# --------------------------------------------------------------------------


@bp.get("/")
@access(VIEWERS)
def index():
    stmt = select(EvaluationRound).order_by(EvaluationRound.starts_on.desc(), EvaluationRound.id.desc())
    role = Role(current_user.role)
    if role is not Role.ADMIN:
        own = and_(EvaluationRound.unit_id == current_user.unit_id, EvaluationRound.level == role.level.value)
        if role.level is Level.CITY:  # and its districts' rounds (see _in_scope)
            own = or_(own, and_(EvaluationRound.level == Level.DISTRICT.value, EvaluationRound.unit_id.in_(
                select(AdminUnit.id).where(AdminUnit.parent_id == current_user.unit_id))))
        stmt = stmt.where(own)
    rounds = db.session.scalars(stmt).all()
    todo = history.sheets_waiting(current_user)
    can_create = Role(current_user.role).level in ops.ORGANISER_ROLES and ops.is_organiser(
        Role(current_user.role).level, current_user)
    return render("evaluation/index.html", rounds=rounds, can_create=can_create, todo=todo)


def preselected_rule_set(level: Level, day, unit=None) -> rules.RuleSet | None:
    """The rule set a new round at ``level`` starts with: the deployment's rule set for new
    dossiers (``OCOP_RULE_SET``, else the data file's default) if its chain has ``level``, else
    the rule set in force on ``day`` if it has (:func:`ocop_app.rules.for_new_dossiers`), else
    ``None`` (the organiser chooses). A chain through a district is preselected only while
    ``unit`` (the organiser's unit) has a district on ``day``, above or below it. A round under an
    older decision stays possible by choice."""
    for rule_set in rules.for_new_dossiers(day, current_app.config.get("OCOP_RULE_SET"),
                                           district_exists=_has_district(unit, day)):
        if level.value in rule_set.levels:
            return rule_set
    return None


def _has_district(unit, day) -> bool:
    """Whether ``unit`` is, or is under or above, a district that exists on ``day``."""
    if unit is None:
        return True
    above = unit.ancestor(Level.DISTRICT)
    if above is not None:
        return above.valid_on(day)
    return any(child.level == Level.DISTRICT.value and child.valid_on(day) for child in unit.children)


@bp.route("/rounds/new", methods=["GET", "POST"])
@access(ORGANISERS)
def round_new():
    level = Role(current_user.role).level
    form = RoundForm(level=level.value)
    if request.method == "GET":
        form.starts_on.data = local_today()
        preselected = preselected_rule_set(level, local_today(), current_user.unit)
        if preselected is not None:
            form.rule_set_code.data = preselected.code
    if form.validate_on_submit():
        try:
            round_ = ops.create_round(actor=current_user, name=form.name.data, starts_on=form.starts_on.data,
                                      ends_on=form.ends_on.data, rule_set_code=form.rule_set_code.data,
                                      kind=form.kind.data or "ordinary")
        except InvalidInput as exc:
            db.session.rollback()
            for key, message in exc.errors.items():
                getattr(form, key).errors = [message]
            return render("evaluation/round_form.html", status=422, form=form, example_year=local_today().year)
        db.session.commit()
        return redirect_to(url_for("evaluation.round_detail", round_id=round_.id), _("Evaluation round created."))
    status = 422 if form.is_submitted() else 200
    return render("evaluation/round_form.html", status=status, form=form, example_year=local_today().year)


def _round_context(round_: EvaluationRound, member_form=None, product_form=None):
    ops.preload(round_)
    entries = list(round_.products)
    results = {}
    for entry in entries:
        results[entry.id] = ops.result_of(entry) if not entry.outcome else None
    scorers = round_.scorers
    member_form = member_form or MemberForm(formdata=None)
    product_form = product_form or AddProductForm(formdata=None)
    organiser = ops.is_organiser(round_, current_user) and not round_.closed
    if organiser:
        taken = {m.user_id for m in round_.members}
        level = Level(round_.level)
        people = db.session.scalars(
            select(User).where(User.unit_id == round_.unit_id, User.active.is_(True),
                               User.role.in_([r.value for r in Role if r.level is level]))
            .order_by(User.full_name)
        ).all()
        member_form.user_id.choices = [(u.id, f"{u.full_name} ({Role(u.role).label})") for u in people
                                       if u.id not in taken]
        product_form.product_id.choices = [(p.id, f"{p.name} — {p.producer.name}") for p in ops.eligible_products(round_)]
    reevaluations = {}
    if round_.written:
        reevaluations = {r.product_id: r for r in db.session.scalars(
            select(Reevaluation).where(Reevaluation.round_id == round_.id))}
    return {
        "round": round_, "entries": entries, "results": results, "scorers": scorers, "reevaluations": reevaluations,
        "member_form": member_form, "product_form": product_form, "organiser": organiser,
        "is_chair": ops.is_chair(round_, current_user), "close_form": CloseForm(formdata=None, version=round_.version),
        "sheet_of": {(s.round_product_id, s.member_id): s for e in entries for s in e.sheets},
    }


@bp.get("/rounds/<int:round_id>")
@access(VIEWERS)
def round_detail(round_id: int):
    round_ = get_round_or_404(round_id)
    return render("evaluation/round.html", **_round_context(round_))


def _round_error(round_, exc, **forms):
    db.session.rollback()
    round_ = get_round_or_404(round_.id)
    if isinstance(exc, InvalidInput):
        status, message = 422, " ".join(str(m) for m in exc.errors.values())
    elif isinstance(exc, Conflict):
        status, message = 409, str(exc.message)
    else:
        status, message = 403, str(exc.message)
    flash(message, "error")
    return render("evaluation/round.html", status=status, **_round_context(round_, **forms))


@bp.post("/rounds/<int:round_id>/members")
@access(ORGANISERS)
def member_add(round_id: int):
    round_ = get_round_or_404(round_id)
    _require_organiser(round_)
    form = MemberForm()
    form.user_id.choices = [(u.id, u.full_name) for u in db.session.scalars(
        select(User).where(User.unit_id == round_.unit_id))]
    if not form.validate():
        flash(_("Choose a person and a role."), "error")
        return render("evaluation/round.html", status=422, **_round_context(round_, member_form=form))
    try:
        ops.add_member(round_, db.session.get(User, form.user_id.data), form.role.data, current_user)
    except (InvalidInput, Conflict, TransitionDenied) as exc:
        return _round_error(round_, exc, member_form=form)
    db.session.commit()
    return redirect_to(url_for("evaluation.round_detail", round_id=round_.id), _("Council updated."))


@bp.post("/rounds/<int:round_id>/members/<int:member_id>/remove")
@access(ORGANISERS)
def member_remove(round_id: int, member_id: int):
    round_ = get_round_or_404(round_id)
    _require_organiser(round_)
    member = db.session.get(CouncilMember, member_id)
    if member is None or member.round_id != round_.id:
        abort(404)
    if not ReasonForm().validate():
        abort(400)
    try:
        ops.remove_member(round_, member, current_user)
    except (InvalidInput, Conflict, TransitionDenied) as exc:
        return _round_error(round_, exc)
    db.session.commit()
    return redirect_to(url_for("evaluation.round_detail", round_id=round_.id), _("Council updated."))


@bp.post("/rounds/<int:round_id>/products")
@access(ORGANISERS)
def product_add(round_id: int):
    round_ = get_round_or_404(round_id)
    _require_organiser(round_)
    form = AddProductForm()
    form.product_id.choices = [(p.id, p.name) for p in ops.eligible_products(round_)]
    if not form.validate():
        flash(_("Choose a product waiting for evaluation."), "error")
        return render("evaluation/round.html", status=422, **_round_context(round_, product_form=form))
    try:
        ops.add_product(round_, db.session.get(Product, form.product_id.data), current_user)
    except (InvalidInput, Conflict, TransitionDenied) as exc:
        return _round_error(round_, exc, product_form=form)
    db.session.commit()
    return redirect_to(url_for("evaluation.round_detail", round_id=round_.id), _("Product added to the round."))


@bp.post("/rounds/<int:round_id>/products/<int:entry_id>/remove")
@access(ORGANISERS)
def product_remove(round_id: int, entry_id: int):
    round_ = get_round_or_404(round_id)
    _require_organiser(round_)
    entry = get_entry_or_404(round_, entry_id)
    if not ReasonForm().validate():
        abort(400)
    try:
        ops.remove_product(round_, entry, current_user)
    except (InvalidInput, Conflict, TransitionDenied) as exc:
        return _round_error(round_, exc)
    db.session.commit()
    return redirect_to(url_for("evaluation.round_detail", round_id=round_.id), _("Product taken out of the round."))


@bp.post("/rounds/<int:round_id>/close")
@access(COUNCIL)
def round_close(round_id: int):
    round_ = get_round_or_404(round_id)
    form = CloseForm()
    if not form.validate():
        if stale_version(form.version, round_.version):
            return _round_error(round_, Conflict(STALE_PAGE))
        abort(400)
    try:
        ops.close_round(round_, current_user, expected_version=form.version.data)
    except (InvalidInput, Conflict, TransitionDenied) as exc:
        return _round_error(round_, exc)
    db.session.commit()
    if round_.written:
        return redirect_to(url_for("evaluation.round_detail", round_id=round_.id),
                           _("The round is closed; the council's decision on each re-evaluation is recorded."))
    return redirect_to(url_for("evaluation.round_detail", round_id=round_.id),
                       _("The round is closed; the results have been sent on."))


# --------------------------------------------------------------------------
# A product in the round: result page, sheets
# --------------------------------------------------------------------------


def _product_context(round_, entry, *, disqualify_form=None, recuse_form=None):
    criteria = ops.criteria_of(entry.sheet_set)
    visible = can_see_scores(entry, current_user)
    result = ops.result_of(entry, criteria)
    sheets = [s for s in entry.sheets if s.member_id in {m.user_id for m in round_.scorers}]
    members = {m.user_id: m for m in round_.members}
    return {
        "round": round_, "entry": entry, "result": result, "visible": visible, "sheets": sheets,
        "members": members, "mine": my_sheet(entry), "is_chair": ops.is_chair(round_, current_user),
        "disqualify_form": disqualify_form or DisqualifyForm(formdata=None),
        "recuse_form": recuse_form or ReasonForm(formdata=None), "reopen_form": ReasonForm(formdata=None),
        "record": history.record_of(entry) if round_.closed and entry.outcome else None,
    }


@bp.get("/rounds/<int:round_id>/products/<int:entry_id>")
@access(VIEWERS)
def product_result(round_id: int, entry_id: int):
    round_ = get_round_or_404(round_id)
    entry = get_entry_or_404(round_, entry_id)
    return render("evaluation/product.html", **_product_context(round_, entry))


def posted_choices() -> dict[int, int | None]:
    """``{criterion id: option id}`` from the posted radio groups named ``c<criterion id>``.

    A value that is not a number is kept as an invalid choice (-1) so it is reported, not dropped.
    """
    out = {}
    for key, value in request.form.items():
        if key.startswith("c") and key[1:].isdigit():
            out[int(key[1:])] = int(value) if value.isdigit() else -1
    return out


def _sheet_context(round_, entry, sheet, criteria, *, choices=None, comment=None, opinion=None, errors=None):
    chosen = choices if choices is not None else ops.choices_of(sheet)
    totals = scoring.sheet_totals(ops.specs_of(criteria), chosen)
    parts = []
    for c in criteria:
        part = c.group.part
        if not parts or parts[-1]["part"].id != part.id:
            parts.append({"part": part, "groups": []})
        groups = parts[-1]["groups"]
        if not groups or groups[-1]["group"].id != c.group.id:
            groups.append({"group": c.group, "criteria": []})
        groups[-1]["criteria"].append(c)
    editable = (sheet.member_id == current_user.id and sheet.status == SheetStatus.DRAFT.value and not round_.closed)
    return {
        "round": round_, "entry": entry, "sheet": sheet, "parts": parts, "chosen": chosen, "totals": totals,
        "comment": sheet.comment if comment is None else comment, "errors": errors or {}, "editable": editable,
        "opinion": sheet.opinion if opinion is None else opinion,
        "answered": sum(1 for c in criteria if c.id in chosen), "count": len(criteria),
        "form": ReasonForm(formdata=None),
    }


@bp.route("/rounds/<int:round_id>/products/<int:entry_id>/sheet", methods=["GET", "POST"])
@access(COUNCIL)
def sheet_mine(round_id: int, entry_id: int):
    """The member's own sheet: GET shows it; POST saves the draft (``action=save``, also the htmx
    autosave, which answers with the totals fragment) or submits it (``action=submit``)."""
    round_ = get_round_or_404(round_id)
    entry = get_entry_or_404(round_, entry_id)
    sheet = my_sheet(entry)
    if sheet is None:
        abort(403, description=_("You are not a scoring member of this round's council."))
    criteria = ops.criteria_of(entry.sheet_set)
    if request.method == "GET":
        return render("evaluation/sheet.html", **_sheet_context(round_, entry, sheet, criteria))
    if not ReasonForm().validate():
        abort(400)
    raw = posted_choices()
    comment = request.form.get("comment", "")[:4000]
    # the written opinion (lấy ý kiến bằng văn bản) is asked for in a written round only
    opinion = request.form.get("opinion", "")[:8000] if round_.written else None
    action = request.form.get("action", "save")
    try:
        if action == "submit":
            ops.submit_sheet(sheet, current_user, raw, comment, criteria, opinion)
        else:
            ops.save_sheet(sheet, current_user, raw, comment, criteria, opinion)
    except InvalidInput as exc:
        if exc.errors.keys() & ops.DRAFT_KEPT:
            db.session.commit()  # the choices made (and what was written) are kept as a draft
        else:
            db.session.rollback()
        sheet = db.session.get(ScoreSheet, sheet.id)
        typed = {k: v for k, v in raw.items() if v is not None}
        flash(" ".join(str(m) for m in exc.errors.values()), "error")
        ctx = _sheet_context(round_, entry, sheet, criteria, choices=typed, comment=comment, opinion=opinion,
                             errors=exc.errors)
        return render("evaluation/sheet.html", "evaluation/_sheet_totals.html", status=422, **ctx)
    except Conflict as exc:
        db.session.rollback()
        sheet = db.session.get(ScoreSheet, sheet.id)
        flash(str(exc.message), "error")
        ctx = _sheet_context(round_, entry, sheet, criteria)
        return render("evaluation/sheet.html", "evaluation/_sheet_totals.html", status=409, **ctx)
    except TransitionDenied as exc:
        db.session.rollback()
        abort(403, description=str(exc.message))
    db.session.commit()
    if action == "submit":
        return redirect_to(url_for("evaluation.product_result", round_id=round_.id, entry_id=entry.id),
                           _("Your sheet is submitted and locked."))
    if is_htmx():
        ctx = _sheet_context(round_, entry, sheet, criteria)
        return render("evaluation/_sheet_totals.html", "evaluation/_sheet_totals.html", saved=True, **ctx)
    flash(_("Draft saved."), "success")
    return redirect(url_for("evaluation.sheet_mine", round_id=round_.id, entry_id=entry.id), code=303)


@bp.get("/rounds/<int:round_id>/sheets/<int:sheet_id>")
@access(VIEWERS)
def sheet_view(round_id: int, sheet_id: int):
    """Another member's sheet, read-only: only once the viewer may see scores (see :func:`can_see_scores`)."""
    round_ = get_round_or_404(round_id)
    sheet = db.session.get(ScoreSheet, sheet_id)
    if sheet is None or sheet.round_product.round_id != round_.id:
        abort(404)
    entry = sheet.round_product
    if sheet.member_id != current_user.id and not can_see_scores(entry, current_user):
        abort(403, description=_("Submit your own sheet for this product before reading the others'."))
    criteria = ops.criteria_of(entry.sheet_set)
    ctx = _sheet_context(round_, entry, sheet, criteria)
    ctx["editable"] = False
    return render("evaluation/sheet.html", **ctx)


def _product_action(round_, entry, fn, message, **forms):
    try:
        fn()
    except (InvalidInput, Conflict, TransitionDenied) as exc:
        db.session.rollback()
        round_ = get_round_or_404(round_.id)
        entry = get_entry_or_404(round_, entry.id)
        if isinstance(exc, InvalidInput):
            status, text = 422, " ".join(str(m) for m in exc.errors.values())
        elif isinstance(exc, Conflict):
            status, text = 409, str(exc.message)
        else:
            status, text = 403, str(exc.message)
        flash(text, "error")
        return render("evaluation/product.html", status=status, **_product_context(round_, entry, **forms))
    db.session.commit()
    return redirect_to(url_for("evaluation.product_result", round_id=round_.id, entry_id=entry.id), message)


@bp.post("/rounds/<int:round_id>/products/<int:entry_id>/recuse")
@access(COUNCIL)
def sheet_recuse(round_id: int, entry_id: int):
    round_ = get_round_or_404(round_id)
    entry = get_entry_or_404(round_, entry_id)
    sheet = my_sheet(entry)
    if sheet is None:
        abort(403, description=_("You are not a scoring member of this round's council."))
    form = ReasonForm()
    if not form.validate():
        abort(400)
    return _product_action(round_, entry, lambda: ops.recuse(sheet, current_user, form.reason.data),
                           _("You are recused for this product; your sheet does not count."), recuse_form=form)


@bp.post("/rounds/<int:round_id>/sheets/<int:sheet_id>/reopen")
@access(COUNCIL)
def sheet_reopen(round_id: int, sheet_id: int):
    round_ = get_round_or_404(round_id)
    sheet = db.session.get(ScoreSheet, sheet_id)
    if sheet is None or sheet.round_product.round_id != round_.id:
        abort(404)
    form = ReasonForm()
    if not form.validate():
        abort(400)
    return _product_action(round_, sheet.round_product, lambda: ops.reopen(sheet, current_user, form.reason.data),
                           _("The sheet is open again for re-scoring."))


@bp.post("/rounds/<int:round_id>/products/<int:entry_id>/disqualify")
@access(COUNCIL)
def product_disqualify(round_id: int, entry_id: int):
    round_ = get_round_or_404(round_id)
    entry = get_entry_or_404(round_, entry_id)
    form = DisqualifyForm()
    if not form.validate():
        db.session.rollback()
        flash(_("Choose one of the reasons for disqualification."), "error")
        return render("evaluation/product.html", status=422, **_product_context(round_, entry, disqualify_form=form))
    reason = Disqualification(form.reason.data)
    return _product_action(round_, entry, lambda: ops.disqualify(entry, current_user, reason, form.note.data),
                           _("The product is disqualified; its evaluation ends."), disqualify_form=form)


# --------------------------------------------------------------------------
# Minutes and export
# --------------------------------------------------------------------------


def _require_scores_visible(round_: EvaluationRound) -> None:
    if round_.ended:
        abort(403, description=_("This round ended without results when its council's level ceased to exist; "
                                 "it has no minutes."))
    if not round_.closed:
        abort(403, description=_("The minutes and the export are available once the chair closes the round."))


@bp.get("/rounds/<int:round_id>/minutes")
@access(VIEWERS)
def minutes(round_id: int):
    round_ = ops.preload(get_round_or_404(round_id))
    _require_scores_visible(round_)
    scorers = round_.scorers
    rows = []
    for entry in round_.products:
        by_member = {s.member_id: s for s in entry.sheets}
        rows.append((entry, [by_member.get(m.user_id) for m in scorers]))
    reevaluations = {}
    if round_.written:
        reevaluations = {r.product_id: r for r in db.session.scalars(
            select(Reevaluation).where(Reevaluation.round_id == round_.id))}
    return render("evaluation/minutes.html", round=round_, rows=rows, scorers=scorers, reevaluations=reevaluations)


@bp.get("/rounds/<int:round_id>/export.xlsx")
@access(VIEWERS)
def export(round_id: int):
    round_ = get_round_or_404(round_id)
    _require_scores_visible(round_)
    from ..reports.xlsx import xlsx_response
    from .export import round_workbook

    buffer = io.BytesIO()
    round_workbook(ops.preload(round_)).save(buffer)
    return xlsx_response(buffer.getvalue(), f"dot-danh-gia-{round_.id}.xlsx")
