"""How long a dossier may wait at a level, and which ones are overdue.

A level's deadline comes from the product's rule set
(:meth:`ocop_app.rules.RuleSet.review_days`; QĐ 26/2026 Điều 7: the commune
reviews within 15 working days). Working days are Monday–Friday except
Vietnam's public holidays (the ``holidays`` package's calendar for VN).
A dossier waits from the moment it entered its current state (its latest
:class:`~ocop_app.models.StageEvent`).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays
from sqlalchemy import func, select

from . import clock
from .extensions import db
from .models import Product, StageEvent
from .workflow import Status


@lru_cache(maxsize=16)
def _vn_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("VN", years=year))


def is_working_day(day: dt.date) -> bool:
    """Monday–Friday and not a Vietnamese public holiday."""
    return day.weekday() < 5 and day not in _vn_holidays(day.year)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself not counted).

    >>> add_working_days(dt.date(2026, 11, 27), 1)  # a Friday → the next Monday
    datetime.date(2026, 11, 30)
    """
    day = start
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def entered_current_state(product_ids: list[int]) -> dict[int, tuple[int, dt.datetime]]:
    """``{product_id: (event_id, at)}`` of each product's latest event (one query)."""
    if not product_ids:
        return {}
    latest = (
        select(StageEvent.product_id, func.max(StageEvent.id).label("event_id"))
        .where(StageEvent.product_id.in_(product_ids))
        .group_by(StageEvent.product_id)
        .subquery()
    )
    rows = db.session.execute(
        select(StageEvent.product_id, StageEvent.id, StageEvent.at).join(latest, StageEvent.id == latest.c.event_id)
    ).all()
    return {pid: (eid, at) for pid, eid, at in rows}


def due_dates(products: list[Product]) -> dict[int, tuple[dt.date, int]]:
    """``{product_id: (due_date, event_id)}`` for products awaiting a level that has a
    deadline under their rule set; ``event_id`` is the event that started the wait."""
    waiting = [p for p in products if p.status == Status.AWAITING.value and p.rule_set.review_days(p.level)]
    entered = entered_current_state([p.id for p in waiting])
    result = {}
    for p in waiting:
        if p.id in entered:
            event_id, at = entered[p.id]
            result[p.id] = (add_working_days(clock.local_date(at), p.rule_set.review_days(p.level)), event_id)
    return result


def overdue(products: list[Product], today: dt.date | None = None) -> dict[int, dt.date]:
    """``{product_id: due_date}`` of the products waiting past their level's deadline."""
    today = today or clock.today()
    return {pid: due for pid, (due, _event) in due_dates(products).items() if due < today}
