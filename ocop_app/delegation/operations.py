"""Delegation: an approver names a substitute for a date range (ủy quyền).

The substitute serves the same unit and, between ``starts_on`` and
``ends_on`` (Vietnam dates, inclusive), may take the approver's workflow
steps; each is logged with ``StageEvent.on_behalf_of`` = the approver.
Outside the range the substitute has only their own role, and a refused step says when the
delegation runs (:func:`out_of_period`).
"""

from __future__ import annotations

import datetime as dt

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import clock, workflow
from ..extensions import db
from ..models import Delegation, User
from ..products.operations import InvalidInput
from ..workflow import Role

#: Roles that sign off and so may delegate.
APPROVER_ROLES = frozenset({Role.COMMUNE_APPROVER, Role.DISTRICT_APPROVER, Role.CITY_APPROVER})


def create(principal: User, substitute: User, starts_on: dt.date, ends_on: dt.date, reason: str = "") -> Delegation:
    """Name ``substitute`` to act for ``principal`` from ``starts_on`` to ``ends_on``.

    :raises InvalidInput: the principal is not an approver, the substitute is the principal,
        inactive, of another unit or already holds the principal's role, the range is empty or
        already over, or it overlaps another delegation of the principal still in force (one
        substitute at a time, so "on behalf of" names one person).
    """
    errors = {}
    if Role(principal.role) not in APPROVER_ROLES:
        errors["substitute"] = _l("Only an approver can name a substitute.")
    elif substitute is None or substitute.id == principal.id or not substitute.active \
            or substitute.unit_id != principal.unit_id or Role(substitute.role) is Role.ADMIN:
        errors["substitute"] = _l("Choose another active person of your unit.")
    elif substitute.role == principal.role:
        errors["substitute"] = _l("%(name)s already signs off with your role; they need no delegation.",
                                  name=substitute.full_name)
    if starts_on is None or ends_on is None or ends_on < starts_on:
        errors["ends_on"] = _l("The last day must be on or after the first day.")
    elif ends_on < clock.today():
        errors["ends_on"] = _l("This period is already over.")
    if not errors:
        overlapping = db.session.scalars(select(Delegation).where(
            Delegation.principal_id == principal.id, Delegation.cancelled_at.is_(None),
            Delegation.starts_on <= ends_on, Delegation.ends_on >= starts_on)).first()
        if overlapping is not None:
            errors["starts_on"] = _l("You have already named %(name)s from %(start)s to %(end)s; cancel that "
                                     "delegation first or choose other days.", name=overlapping.substitute.full_name,
                                     start=_day(overlapping.starts_on), end=_day(overlapping.ends_on))
    if errors:
        raise InvalidInput(errors)
    delegation = Delegation(principal=principal, substitute=substitute, starts_on=starts_on, ends_on=ends_on,
                            reason=reason.strip())
    db.session.add(delegation)
    db.session.flush()
    return delegation


def cancel(delegation: Delegation) -> None:
    """End a delegation now (it stops covering any day)."""
    delegation.cancelled_at = clock.now()
    db.session.flush()


def delegated_roles(user: User) -> dict:
    """``{Role: principal}`` delegated to ``user`` for today (cached per request)."""
    if user is None or not getattr(user, "is_authenticated", False) or user.id is None:
        return {}
    cache_key = ("delegated_roles", user.id, clock.today())
    if has_request_context():
        cache = g.setdefault("_delegations", {})
        if cache_key in cache:
            return cache[cache_key]
    today = clock.today()
    rows = db.session.scalars(
        select(Delegation).where(
            Delegation.substitute_id == user.id, Delegation.cancelled_at.is_(None),
            Delegation.starts_on <= today, Delegation.ends_on >= today,
        ).order_by(Delegation.id)
    ).all()
    result = {}
    for d in rows:
        principal = d.principal
        if principal.active and principal.unit_id == user.unit_id:
            result.setdefault(Role(principal.role), principal)
    if has_request_context():
        g._delegations[cache_key] = result
    return result


def _day(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def out_of_period(user: User, roles: frozenset[Role]) -> object | None:
    """Why ``user`` may not stand in today for an approver holding one of ``roles``, when a
    delegation names them (same unit, active approver) but does not cover today: the nearest
    one still to come ("runs from … to …: not started yet"), else the one that ended or was
    cancelled last ("ran from … to …: ended on …"). ``None`` when no such delegation exists, so
    the caller gives its generic refusal. Dates dd/mm/yyyy."""
    if user is None or getattr(user, "id", None) is None:
        return None
    today = clock.today()
    rows = [d for d in db.session.scalars(select(Delegation).where(Delegation.substitute_id == user.id)
                                          .order_by(Delegation.id)).all()
            if d.principal.active and d.principal.unit_id == user.unit_id and Role(d.principal.role) in roles
            and not d.covers(today)]
    coming = [d for d in rows if d.cancelled_at is None and d.starts_on > today]
    if coming:
        d = min(coming, key=lambda d: (d.starts_on, d.id))
        return _l("Your delegation from %(name)s runs from %(start)s to %(end)s: it has not started yet, so you "
                  "cannot take this step on their behalf before %(start)s.",
                  name=d.principal.full_name, start=_day(d.starts_on), end=_day(d.ends_on))

    def ended(d: Delegation) -> tuple[dt.date, bool]:
        """The day it stopped covering, and whether a cancellation (not its last day) stopped it."""
        cancelled = clock.local_date(d.cancelled_at) if d.cancelled_at is not None else None
        return (cancelled, True) if cancelled is not None and cancelled <= d.ends_on else (d.ends_on, False)

    over = [d for d in rows if d.cancelled_at is not None or d.ends_on < today]
    if not over:
        return None
    d = max(over, key=lambda d: (ended(d)[0], d.id))
    day, cancelled = ended(d)
    if cancelled:
        return _l("Your delegation from %(name)s (%(start)s to %(end)s) was cancelled on %(cancelled)s, so you "
                  "can no longer take this step on their behalf.", name=d.principal.full_name,
                  start=_day(d.starts_on), end=_day(d.ends_on), cancelled=_day(day))
    return _l("Your delegation from %(name)s ran from %(start)s to %(end)s: it ended on %(end)s, so you can no "
              "longer take this step on their behalf.", name=d.principal.full_name, start=_day(d.starts_on),
              end=_day(d.ends_on))


if delegated_roles not in workflow.ROLE_SOURCES:
    workflow.ROLE_SOURCES.append(delegated_roles)
if out_of_period not in workflow.ROLE_REFUSALS:
    workflow.ROLE_REFUSALS.append(out_of_period)
