"""Route sweep declarations for delegations (ủy quyền).

In scope: a delegation the acting approver made. Out of scope, the nearest one they must
not touch: a delegation made by a colleague approver of the same unit (an approver cannot be
named substitute for their own role, so it names an officer). See ``tests/routesweep.py``.
"""

from __future__ import annotations

import datetime as dt

from ocop_app import clock
from ocop_app.delegation import operations
from ocop_app.extensions import db
from ocop_app.workflow import Level, Role

from routesweep import Case, param, route

#: The officer of each level who can stand in for that level's approver (same unit).
COLLEAGUE = {Level.COMMUNE: Role.COMMUNE_STAFF, Level.DISTRICT: Role.DISTRICT_STAFF, Level.CITY: Role.CITY_STAFF}


def _colleague(ctx):
    """Another active person of the acting user's unit (the default unit of the role's level)."""
    level = ctx.role.level if ctx.role else None
    return ctx.make_user(COLLEAGUE.get(level, Role.COMMUNE_STAFF))


def _delegate(principal, substitute):
    today = clock.today()
    delegation = operations.create(principal, substitute, today, today + dt.timedelta(days=7), "Đi công tác")
    db.session.commit()
    return delegation


@route("delegation.create")
def _create(ctx):
    today = clock.today()
    substitute = _colleague(ctx)
    return Case(data={"substitute": substitute.id, "starts_on": today.strftime("%d/%m/%Y"),
                      "ends_on": (today + dt.timedelta(days=14)).strftime("%d/%m/%Y"), "reason": "Nghỉ phép"})


@param("delegation_id")
def _delegation_id(ctx):
    if ctx.role not in operations.APPROVER_ROLES:  # refused before the delegation is looked at
        return _delegate(ctx.make_user(Role.COMMUNE_APPROVER), ctx.make_user(Role.COMMUNE_STAFF)).id, None
    mine = _delegate(ctx.user, _colleague(ctx))
    theirs = _delegate(ctx.make_user(ctx.role), _colleague(ctx))  # a colleague approver's delegation
    return mine.id, theirs.id
