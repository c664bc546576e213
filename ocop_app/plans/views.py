"""Plans (kế hoạch) of a district or city, and each plan's live dashboard of targets."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from ..extensions import db
from ..models import AdminUnit, Plan, PlanMetric
from ..permissions import access, roles
from ..rendering import redirect_to, render
from ..reports import charts
from ..workflow import Level, Role
from . import operations
from .forms import PlanForm

bp = Blueprint("plans", __name__)

PLANNERS = (Role.DISTRICT_STAFF, Role.DISTRICT_APPROVER, Role.CITY_STAFF, Role.CITY_APPROVER)
VIEWERS = PLANNERS + (Role.DISTRICT_COUNCIL, Role.CITY_COUNCIL, Role.ADMIN)


def visible_plans(for_edit: bool = False):
    """Plans the user may see: those of the unit they serve (all of them for the admin) and, for a
    city/province's users, the plans of its districts too (the city took over their duties when the
    district level ended, NQ 1656/NQ-UBTVQH15). ``for_edit``: only the user's own unit's."""
    from ..models import District

    stmt = select(Plan).order_by(Plan.issued_on.desc(), Plan.id.desc())
    if current_user.role != Role.ADMIN:
        own = Plan.unit_id == current_user.unit_id
        if not for_edit and Role(current_user.role).level is Level.CITY:
            own = or_(own, Plan.unit_id.in_(select(District.id).where(District.parent_id == current_user.unit_id)))
        stmt = stmt.where(own)
    return stmt


def get_plan_or_404(plan_id: int, for_edit: bool = False) -> Plan:
    plan = db.session.scalars(visible_plans(for_edit).where(Plan.id == plan_id)).first()
    if plan is None:
        abort(404)
    return plan


def may_edit(plan: Plan) -> bool:
    """Whether the current user edits ``plan``: a planner of the unit that issued it."""
    return current_user.role in PLANNERS and plan.unit_id == current_user.unit_id


@bp.get("/")
@access(roles(*VIEWERS))
def plan_list():
    plans = db.session.scalars(visible_plans()).all()
    return render("plans/list.html", plans=plans, can_plan=current_user.role in PLANNERS)


@bp.route("/new", methods=["GET", "POST"])
@access(roles(*PLANNERS))
def plan_new():
    form = PlanForm()
    if request.method == "GET":
        year = dt.date.today().year
        form.year_from.data = form.year_to.data = year
    if form.validate_on_submit():
        plan = Plan(unit_id=current_user.unit_id, created_by_id=current_user.id)
        operations.save_plan(plan, form)
        db.session.commit()
        return redirect_to(url_for("plans.plan_detail", plan_id=plan.id), _("Plan saved."))
    status = 422 if form.is_submitted() else 200
    return render("plans/form.html", "plans/_form.html", status=status, form=form, plan=None)


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
@access(roles(*PLANNERS))
def plan_edit(plan_id: int):
    plan = get_plan_or_404(plan_id, for_edit=True)
    form = PlanForm(obj=plan if request.method == "GET" else None)
    if request.method == "GET":
        for target in plan.targets:
            if target.branch is None:
                getattr(form, f"t_{target.metric}").data = target.value
        branch_targets = [t for t in plan.targets if t.branch][:4]
        for entry, target in zip(form.branch_targets.entries, branch_targets):
            entry.form.metric.data, entry.form.branch.data, entry.form.value.data = (
                target.metric, target.branch, target.value)
    if form.validate_on_submit():
        operations.save_plan(plan, form)
        db.session.commit()
        return redirect_to(url_for("plans.plan_detail", plan_id=plan.id), _("Plan saved."))
    status = 422 if form.is_submitted() else 200
    return render("plans/form.html", "plans/_form.html", status=status, form=form, plan=plan)


@bp.get("/<int:plan_id>")
@access(roles(*VIEWERS))
def plan_detail(plan_id: int):
    plan = get_plan_or_404(plan_id)
    rows = operations.progress(plan)
    communes = operations.communes_of(plan.unit)
    bars = {
        r.target.id: charts.progress(r.actual, r.target.value, _("%(actual)s of %(target)s",
                                     actual=r.actual if r.actual is not None else "—", target=r.target.value))
        for r in rows
    }
    return render("plans/detail.html", plan=plan, rows=rows, communes=communes, bars=bars, may_edit=may_edit(plan),
                  PlanMetric=PlanMetric, Level=Level, AdminUnit=AdminUnit)
