"""Live counts behind plan targets, as SQL conditions on :class:`~ocop_app.models.Product`.

The same conditions filter the staff product list (``reached`` and
``ranked_at``), so every number on a plan's dashboard is the total of a list
one click away. Definitions (cumulative: a product that went further still
counts for the earlier targets):

- *reached stage S* (registered, trained, upgraded, evaluated): the product's
  stage is S or later, not counting products rejected or withdrawn at S
  (the workflow's stages: QĐ 490/QĐ-TTg 2018, the annual cycle).
- *district level*: the district council's result is at least the rule set's
  ``propose_min_stars`` (★3 under QĐ 1048/2019 and QĐ 148/2023), i.e. the
  product is evaluated or ranked with that many stars and not rejected.
- *city level*: recognised, i.e. ranked with at least ``recognised_min_stars``
  (★3; the city chairperson recognises ★3/★4, QĐ 148/2023 and QĐ 26/2026 Điều 7).
- *national level*: ranked with the top star of the rule set's bands (★5,
  recognised by the central council).

Within a plan's period (``year_from``–``year_to``, whole calendar years in Vietnam's time), a
product counts when it *first* reached the stage the metric is about during the period
(:func:`reached_within`): the registration for "registered", the first step into "trained"…,
the district council's result (stage evaluated) for district level, the ranking for city and
national level. The moment is the earliest :class:`~ocop_app.models.StageEvent` into that stage
or a later one; a product entered directly in that state (import) has none, and counts from its
creation.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, false, func, not_, or_, select, true

from .. import clock, rules
from ..models import PlanMetric, Product, StageEvent
from ..workflow import Stage, Status

STAGE_METRICS = {
    PlanMetric.REGISTERED: Stage.REGISTERED,
    PlanMetric.TRAINED: Stage.TRAINED,
    PlanMetric.UPGRADED: Stage.UPGRADED,
    PlanMetric.EVALUATED: Stage.EVALUATED,
}
RANK_LEVELS = ("district", "city", "national")
RANK_METRICS = {
    PlanMetric.RANKED_DISTRICT: "district",
    PlanMetric.RANKED_CITY: "city",
    PlanMetric.RANKED_NATIONAL: "national",
}
#: The stage whose first reaching dates a ranking level (the district council's result; the ranking).
RANK_STAGE = {"district": Stage.EVALUATED, "city": Stage.RANKED, "national": Stage.RANKED}


def period_bounds(year_from: int, year_to: int) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end)`` in UTC of the calendar years ``year_from``–``year_to`` in Vietnam's time."""
    start = dt.datetime(year_from, 1, 1, tzinfo=clock.LOCAL_TZ).astimezone(dt.timezone.utc)
    end = dt.datetime(year_to + 1, 1, 1, tzinfo=clock.LOCAL_TZ).astimezone(dt.timezone.utc)
    return start, end


def reached_moment(stage: Stage):
    """SQL expression: when the product first reached ``stage`` or a later one (the earliest stage
    event into one of them), else its creation (a product entered directly in a later state)."""
    later = [s.value for s in Stage if s.order >= stage.order]
    first = (select(func.min(StageEvent.at)).where(StageEvent.product_id == Product.id,
                                                   StageEvent.to_stage.in_(later))
             .correlate(Product).scalar_subquery())
    return func.coalesce(first, Product.created_at)


def reached_within(stage: Stage, year_from: int, year_to: int):
    """Condition: the product first reached ``stage`` in the years ``year_from``–``year_to``."""
    start, end = period_bounds(year_from, year_to)
    moment = reached_moment(stage)
    return and_(moment >= start, moment < end)


def period_stage(metric: PlanMetric) -> Stage | None:
    """The stage whose first reaching dates ``metric`` (``None`` for percent metrics)."""
    if metric in STAGE_METRICS:
        return STAGE_METRICS[metric]
    if metric in RANK_METRICS:
        return RANK_STAGE[RANK_METRICS[metric]]
    return None


def reached(stage: Stage):
    """Condition: the product reached ``stage`` (or went further) and was not rejected/withdrawn there."""
    later = [s.value for s in Stage if s.order >= stage.order]
    return and_(
        Product.stage.in_(later),
        not_(and_(Product.stage == stage.value,
                  Product.status.in_([Status.REJECTED.value, Status.WITHDRAWN.value]))),
    )


def ranked_at(level: str):
    """Condition: the product reached the given ranking ``level`` ("district", "city", "national").

    :raises ValueError: for another level.
    """
    if level not in RANK_LEVELS:
        raise ValueError(level)
    per_rule_set = []
    for rs in rules.all_rule_sets():
        if level == "district":
            cond = and_(
                Product.stage.in_([Stage.EVALUATED.value, Stage.RANKED.value]),
                Product.status != Status.REJECTED.value,
                Product.stars >= rs.propose_min_stars,
            )
        elif level == "city":
            # Recognised by the city (a ★3 the district recognised under QĐ 148/2023 stays at the district).
            cond = and_(Product.stage == Stage.RANKED.value, Product.level == "city",
                        Product.stars >= rs.recognised_min_stars)
        else:
            top = max(stars for _minimum, stars in rs.star_bands)
            cond = and_(Product.stage == Stage.RANKED.value, Product.stars >= top)
        per_rule_set.append(and_(Product.rule_set_code == rs.code, cond))
    return or_(*per_rule_set) if per_rule_set else false()


def condition(metric: PlanMetric, branch: str | None = None, period: tuple[int, int] | None = None):
    """Condition counting ``metric`` (optionally within one ``branch``, and first reached within
    ``period`` = ``(year_from, year_to)``: :func:`reached_within`); ``None`` for percent metrics,
    which products cannot answer."""
    if metric in STAGE_METRICS:
        cond = reached(STAGE_METRICS[metric])
    elif metric in RANK_METRICS:
        cond = ranked_at(RANK_METRICS[metric])
    else:
        return None
    if period is not None:
        cond = and_(cond, reached_within(period_stage(metric), *period))
    return and_(cond, Product.branch == branch) if branch else and_(cond, true())


def list_args(metric: PlanMetric, branch: str | None = None, period: tuple[int, int] | None = None) -> dict:
    """Query arguments of the staff product list that select the same products as ``metric``."""
    args: dict = {}
    if metric in STAGE_METRICS:
        args["reached"] = STAGE_METRICS[metric].value
    elif metric in RANK_METRICS:
        args["ranked_at"] = RANK_METRICS[metric]
    if branch:
        args["branch"] = branch
    if period is not None:
        args["year_from"], args["year_to"] = period
    return args
