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
"""

from __future__ import annotations

from sqlalchemy import and_, false, not_, or_, true

from .. import rules
from ..models import PlanMetric, Product
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


def condition(metric: PlanMetric, branch: str | None = None):
    """Condition counting ``metric`` (optionally within one ``branch``); ``None`` for percent
    metrics, which products cannot answer."""
    if metric in STAGE_METRICS:
        cond = reached(STAGE_METRICS[metric])
    elif metric in RANK_METRICS:
        cond = ranked_at(RANK_METRICS[metric])
    else:
        return None
    return and_(cond, Product.branch == branch) if branch else and_(cond, true())


def list_args(metric: PlanMetric, branch: str | None = None) -> dict:
    """Query arguments of the staff product list that select the same products as ``metric``."""
    args: dict = {}
    if metric in STAGE_METRICS:
        args["reached"] = STAGE_METRICS[metric].value
    elif metric in RANK_METRICS:
        args["ranked_at"] = RANK_METRICS[metric]
    if branch:
        args["branch"] = branch
    return args
