"""Operations on products: each changes data, writes the audit row and flushes.

Views call these and commit once; nothing here commits. Every change to a
product goes through :func:`advance` (workflow steps) or :func:`register` /
:func:`update_details`, so every change leaves a :class:`StageEvent`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from .. import catalog, clock, rules, workflow
from ..extensions import db
from ..models import AdminUnit, Producer, Product, StageEvent, User
from ..text import fold
from ..workflow import Level, Stage, Status

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class Conflict(Exception):
    """The product changed since the user loaded it (HTTP 409); nothing was applied."""

    def __init__(self, message=None):
        self.message = message or _l(
            "This product was changed by someone else in the meantime (the step may already be done). "
            "Nothing was applied; the current state is shown."
        )
        super().__init__(str(self.message))


class InvalidInput(Exception):
    """Input the user must correct (HTTP 422); ``errors`` maps field name → message."""

    def __init__(self, errors: dict):
        self.errors = errors
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def local_today() -> dt.date:
    """Today's date in Vietnam (Asia/Ho_Chi_Minh); fixed in tests (:mod:`ocop_app.clock`)."""
    return clock.today()


def search_text_for(product: Product) -> str:
    """Accent-folded text that search matches: product, producer and place names."""
    parts = [product.name]
    if product.producer is not None:
        parts.append(product.producer.name)
    for unit in (product.commune, product.district, product.city):
        if unit is not None:
            parts.append(unit.name)
    return fold(" ".join(parts))


def place_product(product: Product, unit: AdminUnit) -> None:
    """Set the product's commune/district/city ids from the most specific unit known."""
    commune = unit.ancestor(Level.COMMUNE)
    district = unit.ancestor(Level.DISTRICT)
    city = unit.ancestor(Level.CITY)
    if city is None:
        raise ValueError(f"unit {unit!r} is not under a city/province")
    product.commune, product.district, product.city = commune, district, city


def _record(product: Product, actor: User | None, action: str, before, reason: str = "", detail: str = "",
            at: dt.datetime | None = None) -> StageEvent:
    event = StageEvent(
        product=product,
        actor=actor,
        action=action,
        from_stage=before[0] if before else None,
        from_status=before[1] if before else None,
        from_level=before[2] if before else None,
        to_stage=product.stage,
        to_status=product.status,
        to_level=product.level,
        reason=reason,
        detail=detail,
        at=at or utcnow(),
    )
    db.session.add(event)
    return event


def register(*, name: str, producer: Producer, commune: AdminUnit, product_set_no: int | None,
             branch: str | None, actor: User | None, description: str = "",
             rule_set_code: str | None = None) -> Product:
    """Create a product as a draft registration at the commune and log it.

    ``branch`` defaults to the product set's branch (QĐ 26/2026, Phụ lục I).

    :raises ValueError: when neither a product set nor a branch is given.
    """
    if branch is None:
        if product_set_no is None:
            raise ValueError("a product needs a product set or a branch")
        branch = catalog.branch_of_set(product_set_no)
    product = Product(
        name=name.strip(),
        description=description.strip(),
        producer=producer,
        product_set_no=product_set_no,
        branch=branch,
        rule_set_code=rule_set_code or rules.default_code(),
        stage=Stage.REGISTERED.value,
        status=Status.DRAFT.value,
        level=Level.COMMUNE.value,
        last_actor_id=actor.id if actor else None,
    )
    place_product(product, commune)
    product.search_text = search_text_for(product)
    db.session.add(product)
    _record(product, actor, "create", None)
    db.session.flush()
    return product


def update_details(product: Product, actor: User, *, expected_version: int | None, **fields) -> None:
    """Change a draft's details (name, description, product set, producer) and log what changed.

    :raises Conflict: if the product changed since ``expected_version``.
    :raises workflow.TransitionDenied: if the product is not editable by ``actor`` now.
    """
    if expected_version is not None and expected_version != product.version:
        raise Conflict()
    if not workflow.can_edit(product, actor):
        raise workflow.TransitionDenied(_l("This product can no longer be edited."))
    changed = []
    for key, value in fields.items():
        if getattr(product, key) != value:
            setattr(product, key, value)
            changed.append(key)
    if "product_set_no" in changed and product.product_set_no:
        product.branch = catalog.branch_of_set(product.product_set_no)
    if not changed:
        return
    product.search_text = search_text_for(product)
    before = workflow.state_of(product)
    _record(product, actor, "edit", before, detail=", ".join(changed))
    _flush_or_conflict()


def validate_score(score: Decimal | None) -> Decimal:
    """Check an evaluation score: 0–100 points with at most one decimal.

    :raises InvalidInput: on a missing, out-of-range or too precise score.
    """
    if score is None:
        raise InvalidInput({"score": _l("Enter the council's score (0–100).")})
    if score < 0 or score > 100:
        raise InvalidInput({"score": _l("The score must be between 0 and 100.")})
    if score != score.quantize(Decimal("0.1")):
        raise InvalidInput({"score": _l("The score has at most one decimal, e.g. 72,5.")})
    return score.quantize(Decimal("0.1"))


def _set_score(product: Product, score: Decimal | None) -> str:
    value = validate_score(score)
    product.score = value
    product.stars = product.rule_set.stars_for(value)
    return f"score={value}; stars={product.stars}"


def _rank(product: Product, score: Decimal | None) -> str:
    product.ranked_on = local_today()
    product.ranked_year = product.ranked_on.year
    product.proposed_central = product.score is not None and product.score >= product.rule_set.central_min_score
    return "proposed to the central level" if product.proposed_central else ""


#: Named side effects a transition may declare (``Transition.effects``).
EFFECTS = {"set_score": _set_score, "rank": _rank}


def advance(product: Product, name: str, actor: User, *, reason: str | None = None,
            score: Decimal | None = None, expected_version: int | None = None) -> StageEvent:
    """Take workflow step ``name`` on ``product`` as ``actor`` and log it.

    :param expected_version: the product version the user's form was loaded
        with; a different current version means someone else acted first.
    :raises Conflict: the product changed since ``expected_version``, or a
        concurrent request won the race (compare-and-set on ``version``).
    :raises workflow.TransitionDenied: the step is not open to ``actor`` (403).
    :raises InvalidInput: a reason or score is missing or invalid (422).

    A substitute acting under a delegation (:mod:`ocop_app.delegation`) is logged
    as the actor, with the approver in ``StageEvent.on_behalf_of``.
    """
    if expected_version is not None and expected_version != product.version:
        raise Conflict()
    transition = workflow.authorise(product, actor, name)
    reason = (reason or "").strip()
    if transition.needs_reason and not reason:
        raise InvalidInput({"reason": _l("A reason is required to return, reject or withdraw.")})
    before = workflow.state_of(product)
    details = [EFFECTS[effect](product, score) for effect in transition.effects]
    stage, status, level = transition.target
    product.stage, product.status, product.level = stage.value, status.value, level.value
    product.last_actor_id = actor.id
    event = _record(product, actor, transition.name, before, reason=reason, detail="; ".join(d for d in details if d))
    event.on_behalf_of = workflow.acting_for(actor, transition)  # a substitute's step (delegation)
    _flush_or_conflict()
    return event


def _flush_or_conflict() -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise Conflict() from exc
