"""Staff pages: my queue, the product list, a product's page and its workflow actions."""

from __future__ import annotations

import math

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select, tuple_

from .. import catalog, clock, deadlines, rules, workflow
from ..extensions import db
from ..forms import STALE_PAGE, stale_version
from ..models import AdminUnit, Commune, Producer, Product, StageEvent
from ..permissions import STAFF, WORKFLOW_ROLES, access, get_product_or_404, product_scope, roles
from ..rendering import is_htmx, redirect_to, render
from ..text import fold, vi_sort_key
from ..workflow import Level, Role, Stage, Status
from ..certificates import reevaluation
from ..evaluation import history
from ..units import operations as unit_ops
from . import operations
from .forms import ProductFilterForm, ProductForm, TransitionForm

bp = Blueprint("products", __name__)


# --------------------------------------------------------------------------
# Queue ("Việc của tôi")
# --------------------------------------------------------------------------


#: Guards that hold a step back until work is done on the product first (attendance, upgrade plan,
#: dossier), as opposed to guards choosing between alternative steps or someone else's sign-off.
PREPARATION_GUARDS = frozenset({"producer_trained", "plan_finished", "dossier_complete"})


def _prepares(choice: workflow.Choice) -> bool:
    """A forward step of the user's (an act such as recording training, or a sign-off such as sending
    to evaluation) held back only by work to be done first (:data:`PREPARATION_GUARDS`): the product
    is the user's to move on once it is done, so "Việc của tôi" lists it, saying what."""
    t = choice.transition
    return (not choice.open and t.kind in (workflow.Kind.ACT, workflow.Kind.SIGN_OFF)
            and set(choice.blocked_guards) <= PREPARATION_GUARDS)


def queue_products(user) -> list[Product]:
    """Products in the user's scope with a step open to the user now, or an act of theirs held back by
    work they must do first (shown with what holds it back), oldest change first."""
    states = sorted({s for role in workflow.acting_roles(user) for s in workflow.queue_states(role)})
    if not states:
        return []
    stmt = (
        select(Product)
        .where(product_scope(user), tuple_(Product.stage, Product.status, Product.level).in_(
            [(s.value, st.value, lv.value) for s, st, lv in states]
        ))
        .order_by(Product.updated_at, Product.id)
    )
    return [p for p in db.session.scalars(stmt)
            if any(c.open or _prepares(c) for c in workflow.choices(p, user))]


@bp.get("/")
@access(STAFF)
def home():
    if current_user.role == Role.ADMIN:
        return redirect(url_for("products.product_list"))
    return redirect(url_for("products.queue"))


@bp.get("/queue")
@access(roles(*WORKFLOW_ROLES))
def queue():
    products = queue_products(current_user)
    counts: dict[str, int] = {}
    rows = []
    for p in products:
        choices = workflow.choices(p, current_user)
        steps = [c.transition for c in choices if c.open]
        held = [c for c in choices if _prepares(c)]
        # Each product counted once, under the step that moves it on (not its return or reject).
        forward = ([t for t in steps if t.kind in (workflow.Kind.ACT, workflow.Kind.SIGN_OFF)]
                   or [c.transition for c in held] or steps)
        counts[str(forward[0].label)] = counts.get(str(forward[0].label), 0) + 1
        rows.append((p, steps, held))
    sheets = history.sheets_waiting(current_user)
    if sheets:
        counts[_("Score sheets to fill in")] = len(sheets)
    renewals = reevaluation.renewals_waiting(current_user)
    if renewals:
        counts[_("Renewals to confirm")] = len(renewals)
    relocations = len(unit_ops.waiting_relocations(current_user))
    if relocations:
        counts[_("New communes to confirm")] = relocations
    today = clock.today()
    return render("products/queue.html", "products/_queue_rows.html", rows=rows, counts=counts,
                  overdue=deadlines.overdue(products), sheets=sheets, renewals=renewals, today=today,
                  relocations=relocations,
                  sheets_overdue={s.id for s in sheets if history.sheet_overdue(s, today)})


@bp.get("/queue/count")
@access(STAFF)
def queue_count():
    """How many things wait for the user: products with a step open to them, their
    score sheets still to fill in, the renewals (re-evaluation) they must confirm and the split
    communes' products waiting for their new commune."""
    count = 0 if current_user.role == Role.ADMIN else (
        len(queue_products(current_user)) + len(history.sheets_waiting(current_user))
        + len(reevaluation.renewals_waiting(current_user)) + len(unit_ops.waiting_relocations(current_user)))
    return render("products/_queue_count.html", "products/_queue_count.html", queue_count=count)


# --------------------------------------------------------------------------
# Product list
# --------------------------------------------------------------------------


def communes_in_scope(user) -> list[AdminUnit]:
    stmt = select(Commune).order_by(Commune.name)
    role = Role(user.role)
    if role.level is Level.COMMUNE:
        stmt = stmt.where(Commune.id == user.unit_id)
    elif role.level is Level.DISTRICT:
        stmt = stmt.where(Commune.parent_id == user.unit_id)
    elif role.level is Level.CITY:
        districts = select(AdminUnit.id).where(AdminUnit.parent_id == user.unit_id)
        stmt = stmt.where(or_(Commune.parent_id == user.unit_id, Commune.parent_id.in_(districts)))
    return list(db.session.scalars(stmt))


def filtered_products(args, user):
    """The staff product list's filter form and statement for query ``args``, within ``user``'s scope.

    Used by the list page and its XLSX export (``reports.products_xlsx``), so both give the same rows.
    Filters: ``q``, ``stage``, ``status``, ``commune``, ``branch``, and the plan-target filters
    ``reached`` (stage reached, :func:`ocop_app.plans.metrics.reached`) and ``ranked_at``, with
    ``year_from``/``year_to`` (a plan's period: that stage or level first reached in those years;
    registration when neither is chosen).
    Returns ``(form, stmt)``; ``stmt`` is ordered most recently changed first.
    """
    from ..plans import metrics

    form = ProductFilterForm(args)
    form.stage.choices = [("", _l("All stages"))] + [(s.value, s.label) for s in Stage]
    form.status.choices = [("", _l("All statuses"))] + [(s.value, s.label) for s in Status]
    communes = communes_in_scope(user)
    # Communes in being first; ended ones (their products' history) after, marked with their last day.
    form.commune.choices = [("", _l("All communes"))] + [
        (str(c.id), c.name if c.valid_to is None
         else f"{c.name} ({_('existed until %(date)s', date=c.valid_to.strftime('%d/%m/%Y'))})")
        for c in sorted(communes, key=lambda c: (c.valid_to is not None, vi_sort_key(c.name)))]
    form.branch.choices = [("", _l("All product groups"))] + [
        (code, label) for code, (_num, label) in catalog.BRANCHES.items()
    ]
    form.reached.choices = [("", _l("Any"))] + [(s.value, s.label) for s in Stage]
    form.ranked_at.choices = [("", _l("Any"))] + [(lv, metrics_label) for lv, metrics_label in RANK_LABELS.items()]
    form.validate()
    stmt = select(Product).where(product_scope(user))
    if form.stage.data in {s.value for s in Stage}:
        stmt = stmt.where(Product.stage == form.stage.data)
    if form.status.data in {s.value for s in Status}:
        stmt = stmt.where(Product.status == form.status.data)
    if form.commune.data and form.commune.data in {str(c.id) for c in communes}:  # only offered ids
        stmt = stmt.where(Product.commune_id == int(form.commune.data))
    if form.branch.data in catalog.BRANCHES:
        stmt = stmt.where(Product.branch == form.branch.data)
    if form.reached.data in {s.value for s in Stage}:
        stmt = stmt.where(metrics.reached(Stage(form.reached.data)))
    if form.ranked_at.data in metrics.RANK_LEVELS:
        stmt = stmt.where(metrics.ranked_at(form.ranked_at.data))
    if form.year_from.data and form.year_to.data and not form.year_from.errors and not form.year_to.errors:
        if form.reached.data in {s.value for s in Stage}:
            stage = Stage(form.reached.data)
        elif form.ranked_at.data in metrics.RANK_LEVELS:
            stage = metrics.RANK_STAGE[form.ranked_at.data]
        else:
            stage = Stage.REGISTERED
        stmt = stmt.where(metrics.reached_within(stage, form.year_from.data, form.year_to.data))
    q = fold(form.q.data or "")[:200]  # longer than any name; SQLite refuses LIKE patterns over 50,000 bytes
    if q:
        stmt = stmt.where(Product.search_text.contains(q, autoescape=True))
    return form, stmt.order_by(Product.updated_at.desc(), Product.id.desc())


RANK_LABELS = {
    "district": _l("District level (★3+ at the district council)"),
    "city": _l("City level (recognised ★3+)"),
    "national": _l("National level (★5)"),
}


@bp.get("/products")
@access(STAFF)
def product_list():
    form, stmt = filtered_products(request.args, current_user)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    per_page = 25
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
    products = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique().all()
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render(
        "products/list.html", "products/_results.html",
        form=form, products=products, total=total, page=page, pages=pages, args=args,
        overdue=deadlines.overdue(list(products)),
    )


# --------------------------------------------------------------------------
# Register / edit
# --------------------------------------------------------------------------


def _producer_for(form: ProductForm, commune: AdminUnit) -> Producer:
    """Find the producer by name in the commune, or create it."""
    name = form.producer_name.data.strip()
    producer = db.session.scalars(
        select(Producer).where(Producer.unit_id == commune.id, func.lower(Producer.name) == name.lower())
    ).first()
    if producer is None:
        producer = Producer(name=name, unit=commune)
        db.session.add(producer)
    producer.type = form.producer_type.data
    producer.registration_no = (form.registration_no.data or "").strip() or None
    return producer


@bp.route("/products/new", methods=["GET", "POST"])
@access(roles(Role.COMMUNE_STAFF))
def product_new():
    form = ProductForm()
    offered = operations.rule_sets_for_new(current_user.unit)
    form.rule_set_code.choices = [
        (r.code, f"{r.decision} — {' → '.join(str(Level(lv).label) for lv in r.levels)}") for r in offered]
    if not form.rule_set_code.raw_data:  # not posted (e.g. an older form): the deployment's choice
        form.rule_set_code.data = offered[0].code
    # Say so when the deployment's choice is not the decision in force today (tester report, session 5).
    current = rules.in_force_on(clock.today())
    rule_set_hint = (_("Preselected: the rule set this deployment chose (%(chosen)s). The decision in force "
                       "today is %(current)s.", chosen=offered[0].decision, current=current.decision)
                     if current is not None and current.code != offered[0].code
                     and any(r.code == current.code for r in offered) else None)
    commune = current_user.unit
    if form.validate_on_submit():
        try:
            operations.refuse_duplicate(commune, form.name.data, form.producer_name.data)
        except operations.InvalidInput as exc:
            db.session.rollback()
            for name, message in exc.errors.items():
                getattr(form, name).errors = [message]
            return render("products/form.html", "products/_form.html", status=422, form=form, product=None,
                          rule_set_hint=rule_set_hint)
        producer = _producer_for(form, commune)
        product = operations.register(
            name=form.name.data,
            producer=producer,
            commune=commune,
            product_set_no=int(form.product_set_no.data),
            branch=None,
            actor=current_user,
            description=form.description.data or "",
            rule_set_code=form.rule_set_code.data or offered[0].code,
        )
        db.session.commit()
        return redirect_to(url_for("products.product_detail", product_id=product.id),
                           _("Product registered as a draft. Submit it when the dossier is ready."))
    status = 422 if form.is_submitted() else 200
    return render("products/form.html", "products/_form.html", status=status, form=form, product=None,
                  rule_set_hint=rule_set_hint)


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@access(roles(Role.COMMUNE_STAFF))
def product_edit(product_id: int):
    product = get_product_or_404(product_id, current_user)
    if not workflow.can_edit(product, current_user):
        abort(403, description=_("This product can no longer be edited."))
    form = ProductForm(obj=None if request.method == "POST" else product)
    del form.rule_set_code  # chosen once, at registration
    if request.method == "GET":
        form.product_set_no.data = str(product.product_set_no or "")
        form.producer_name.data = product.producer.name
        form.producer_type.data = product.producer.type
        form.registration_no.data = product.producer.registration_no
        form.version.data = product.version
    if form.is_submitted() and stale_version(form.version, product.version):
        form.validate()  # mark what else needs correcting
        flash(str(STALE_PAGE), "error")
        return render("products/form.html", "products/_form.html", status=409, form=form, product=product)
    if form.validate_on_submit():
        try:
            producer = _producer_for(form, product.commune)
            operations.update_details(
                product, current_user, expected_version=form.version.data,
                name=form.name.data.strip(), description=(form.description.data or "").strip(),
                product_set_no=int(form.product_set_no.data), producer=producer,
            )
        except operations.Conflict as exc:
            db.session.rollback()
            form.version.data = db.session.get(Product, product_id).version
            flash(str(exc.message), "error")
            return render("products/form.html", "products/_form.html", status=409, form=form, product=product)
        db.session.commit()
        return redirect_to(url_for("products.product_detail", product_id=product.id), _("Changes saved."))
    status = 422 if form.is_submitted() else 200
    return render("products/form.html", "products/_form.html", status=status, form=form, product=product)


# --------------------------------------------------------------------------
# Product page and workflow actions
# --------------------------------------------------------------------------


def _panel_context(product: Product, forms: dict | None = None):
    events = db.session.scalars(
        select(StageEvent).where(StageEvent.product_id == product.id).order_by(StageEvent.id)
    ).all()
    choices = workflow.choices(product, current_user)
    forms = forms or {}
    for choice in choices:
        name = choice.transition.name
        if name not in forms:
            forms[name] = TransitionForm(formdata=None, version=product.version)
    return {
        "product": product,
        "events": events,
        "choices": choices,
        "forms": forms,
        "waiting_for": workflow.waiting_for(product),
        "can_edit": workflow.can_edit(product, current_user),
        "rounds": history.product_rounds(product),
        "may_open_round": history.may_open_round,
    }


@bp.get("/products/<int:product_id>")
@access(STAFF)
def product_detail(product_id: int):
    product = get_product_or_404(product_id, current_user)
    from ..certificates.operations import can_start_upgrade

    return render("products/detail.html", "products/_status_panel.html", **_panel_context(product),
                  can_upgrade=can_start_upgrade(product, current_user), today=clock.today())


@bp.post("/products/<int:product_id>/actions/<name>")
@access(roles(*WORKFLOW_ROLES))
def product_action(product_id: int, name: str):
    product = get_product_or_404(product_id, current_user)
    form = TransitionForm()
    if name not in workflow.BY_NAME:
        abort(404)
    valid = form.validate()
    if stale_version(form.version, product.version):
        return _panel_response(product, {name: form}, 409, str(STALE_PAGE))
    if not valid:
        return _panel_response(product, {name: form}, 422, _("Please correct the highlighted fields."))
    try:
        operations.advance(
            product, name, current_user,
            reason=form.reason.data, expected_version=form.version.data,
            certificate={"decision_no": form.decision_no.data, "signed_on": form.signed_on.data,
                         "certificate_no": form.certificate_no.data},
        )
    except workflow.TransitionDenied as exc:
        db.session.rollback()
        abort(403, description=str(exc.message))
    except operations.InvalidInput as exc:
        db.session.rollback()
        for field, message in exc.errors.items():
            getattr(form, field).errors = [message]
        product = get_product_or_404(product_id, current_user)
        return _panel_response(product, {name: form}, 422, _("Please correct the highlighted fields."))
    except operations.Conflict as exc:
        db.session.rollback()
        product = get_product_or_404(product_id, current_user)
        return _panel_response(product, None, 409, str(exc.message))
    db.session.commit()
    message = _("Done: %(step)s.", step=workflow.BY_NAME[name].label)
    if not is_htmx():
        flash(message, "success")
        return redirect(url_for("products.product_detail", product_id=product.id), code=303)
    return _panel_response(product, None, 200, message, category="success")


def _panel_response(product: Product, forms, status: int, message: str, category: str = "error"):
    """The status panel with a flash message: swapped in place for htmx, a full page otherwise."""
    response = render(
        "products/detail.html", "products/_status_panel.html", status=status,
        oob_message=(message, category), **_panel_context(product, forms),
    )
    if status == 200:
        response.headers["HX-Trigger"] = "queueChanged"
    return response


@bp.get("/workflow")
@access(STAFF)
def workflow_table():
    return render("products/workflow.html", transitions=workflow.TRANSITIONS)
