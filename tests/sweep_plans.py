"""Route sweep declarations of the plans area (``ocop_app/plans/views.py``).

A plan belongs to the district or city that issued it and is seen only by the users serving
that unit (``plans.views.visible_plans``; the admin sees all). Out of scope is the nearest
other unit's plan: another district's (Quốc Oai) for district users, another city's (Lâm Đồng)
for city users.
"""

from __future__ import annotations

import datetime as dt

from ocop_app.extensions import db
from ocop_app.models import Plan, PlanTarget
from ocop_app.workflow import Level

from routesweep import Case, param, route, scoped

#: For each level, the unit of the nearest plan out of that level's users' sight.
OUT_PLAN_UNIT = {Level.COMMUNE: "quoc_oai", Level.DISTRICT: "quoc_oai", Level.CITY: "lam_dong"}

PLAN_FORM = {
    "number": "125/KH-UBND", "title": "Kế hoạch phát triển sản phẩm OCOP năm 2026", "issued_on": "10/02/2026",
    "year_from": "2026", "year_to": "2026", "t_registered": "115", "t_ranked_city": "20",
    "t_producers_trained_pct": "100",
    "branch_targets-0-metric": "ranked_city", "branch_targets-0-branch": "food", "branch_targets-0-value": "3",
}


def _plan(unit) -> Plan:
    plan = Plan(unit_id=unit.id, number="07/KH-UBND", title=f"Kế hoạch OCOP {unit.name} năm 2026",
                issued_on=dt.date(2026, 1, 20), year_from=2026, year_to=2026)
    plan.targets.append(PlanTarget(metric="registered", branch=None, value=40))
    db.session.add(plan)
    db.session.commit()
    return plan


@param("plan_id")
def _plan_id(ctx):
    unit = ctx.user.unit if ctx.user is not None and ctx.user.unit is not None else ctx.units["thach_that"]
    level = ctx.role.level if ctx.role else None
    return scoped(ctx, _plan(unit).id, _plan(ctx.units[OUT_PLAN_UNIT.get(level, "quoc_oai")]).id)


@route("plans.plan_new")
def _plan_new(ctx):
    return Case(data=PLAN_FORM)


@route("plans.plan_edit")
def _plan_edit(ctx):
    inside, outside = _plan_id(ctx)
    out_values = None if outside is None else {"plan_id": outside}
    return Case(values={"plan_id": inside}, out_values=out_values, data=PLAN_FORM)
