"""Numbers of the staff dashboard, all within the viewer's scope.

Waiting times come from the append-only ``StageEvent`` log: a product has been
in its current step since its latest event.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict

from sqlalchemy import func, select

from .. import catalog
from ..extensions import db
from ..models import AdminUnit, Product, StageEvent
from ..permissions import product_scope
from ..text import fold
from ..workflow import Level, Stage, Status

OPEN_STATUSES = (Status.DRAFT.value, Status.AWAITING.value, Status.RETURNED.value, Status.APPROVED.value)


def _rows(user):
    return db.session.execute(
        select(Product.id, Product.stage, Product.status, Product.level, Product.commune_id, Product.branch,
               Product.stars, Product.ranked_year).where(product_scope(user))
    ).all()


def summary(user, now: dt.datetime | None = None) -> dict:
    """Every dashboard figure for ``user``'s scope.

    :returns: dict with ``total``; ``by_stage_status`` {stage: {status: n}}; ``by_commune``
        [(name, {stage: n})]; ``by_branch`` [(label, {stage: n})]; ``waiting`` [(level, count,
        median_days, max_days)] for products whose step is open (draft, awaiting, returned,
        approved, not yet ranked); ``stars_by_year`` [(year, {stars: n})].
    """
    now = now or dt.datetime.now(dt.timezone.utc)
    rows = _rows(user)
    by_stage_status: dict[str, Counter] = {s.value: Counter() for s in Stage}
    by_commune: dict[int | None, Counter] = defaultdict(Counter)
    by_branch: dict[str, Counter] = defaultdict(Counter)
    stars_by_year: dict[int, Counter] = defaultdict(Counter)
    open_ids: dict[int, str] = {}
    for pid, stage, status, level, commune_id, branch, stars, year in rows:
        by_stage_status[stage][status] += 1
        by_commune[commune_id][stage] += 1
        by_branch[branch][stage] += 1
        if stage == Stage.RANKED.value and stars and year:
            stars_by_year[year][stars] += 1
        if stage != Stage.RANKED.value and status in OPEN_STATUSES:
            open_ids[pid] = level
    names = dict(db.session.execute(
        select(AdminUnit.id, AdminUnit.name).where(AdminUnit.id.in_([c for c in by_commune if c]))
    ).all())
    communes = sorted(((names.get(cid, "—") if cid else "—", counts) for cid, counts in by_commune.items()),
                      key=lambda item: (-sum(item[1].values()), fold(item[0])))
    branches = [(str(catalog.branch_label(code)), by_branch[code]) for code in catalog.BRANCHES if code in by_branch]
    return {
        "total": len(rows),
        "by_stage_status": by_stage_status,
        "by_commune": communes,
        "by_branch": branches,
        "waiting": waiting(open_ids, now),
        "stars_by_year": sorted(stars_by_year.items()),
    }


def waiting(open_ids: dict[int, str], now: dt.datetime) -> list[tuple[Level, int, float | None, int | None]]:
    """Per level: ``(level, products waiting, median days, longest days)`` in the current step.

    :param open_ids: product id → level, for products whose step is open.
    """
    since: dict[int, dt.datetime] = {}
    ids = list(open_ids)
    for chunk in range(0, len(ids), 900):
        part = ids[chunk:chunk + 900]
        since.update(db.session.execute(
            select(StageEvent.product_id, func.max(StageEvent.at))
            .where(StageEvent.product_id.in_(part)).group_by(StageEvent.product_id)
        ).all())
    days: dict[str, list[int]] = defaultdict(list)
    for pid, level in open_ids.items():
        at = since.get(pid)
        if at is None:
            continue
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.timezone.utc)
        days[level].append(max(0, (now - at).days))
    result = []
    for level in Level:
        values = days.get(level.value, [])
        result.append((level, len(values), statistics.median(values) if values else None,
                       max(values) if values else None))
    return result
