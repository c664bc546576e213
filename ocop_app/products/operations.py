"""Operations on products: each changes data, writes the audit row and flushes.

Views call these and commit once; nothing here commits. Every change to a
product goes through :func:`advance` (workflow steps) or :func:`register` /
:func:`update_details`, so every change leaves a :class:`StageEvent`.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from .. import catalog, clock, rules, workflow
from ..extensions import db
from ..models import AdminUnit, Certificate, Producer, Product, StageEvent, User
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
    """The current time (aware, UTC); see :func:`ocop_app.clock.now`."""
    return clock.now()


def local_today() -> dt.date:
    """Today's date in Vietnam (Asia/Ho_Chi_Minh), or the configured ``OCOP_TODAY``; see :mod:`ocop_app.clock`."""
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


def rule_sets_for_new(unit: AdminUnit, day: dt.date | None = None) -> list[rules.RuleSet]:
    """The rule sets a new dossier of ``unit``'s commune may follow on ``day`` (default: today),
    the deployment's choice first (``OCOP_RULE_SET``): :func:`ocop_app.rules.for_new_dossiers`,
    with a chain through a district only while the commune still has one on that day."""
    from flask import current_app

    day = day or clock.today()
    district = unit.ancestor(Level.DISTRICT)
    return rules.for_new_dossiers(day, current_app.config.get("OCOP_RULE_SET"),
                                  district_exists=district is not None and district.valid_on(day))


def _record(product: Product, actor: User | None, action: str, before, reason: str = "", detail: str = "",
            at: dt.datetime | None = None, on_behalf_of: User | None = None) -> StageEvent:
    """Add the product's audit row. Every column is set here, at insert: the database refuses
    any later update of ``stage_event`` (append-only)."""
    event = StageEvent(
        on_behalf_of=on_behalf_of,
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


def refuse_duplicate(commune: AdminUnit, name: str, producer_name: str) -> None:
    """Refuse registering ``name`` of ``producer_name`` in ``commune`` while the same product of the
    same producer (names compared without accents or case) is still in the cycle there (not ranked,
    not ended) — a double click or a second tab must not open two dossiers.

    Locks the commune's row first (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's writes are
    serialised by ``BEGIN IMMEDIATE``), so of two identical registrations sent at once one is made
    and the other is refused. Call it before looking the producer up.

    :raises InvalidInput: ``{"name": message}`` when such a product exists.
    """
    db.session.execute(select(AdminUnit.id).where(AdminUnit.id == commune.id).with_for_update())
    ended = [s.value for s in Status if s.terminal]
    rows = db.session.execute(
        select(Product.name, Producer.name).join(Producer, Product.producer_id == Producer.id)
        .where(Product.commune_id == commune.id, Product.stage != Stage.RANKED.value,
               Product.status.notin_(ended))
    )
    key = (fold(name), fold(producer_name))
    if any((fold(n), fold(p)) == key for n, p in rows):
        raise InvalidInput({"name": _l("This producer already has a dossier of this product in the cycle "
                                       "in this commune: open it from the product list instead of registering "
                                       "it again.")})


def register(*, name: str, producer: Producer, commune: AdminUnit, product_set_no: int | None,
             branch: str | None, actor: User | None, description: str = "",
             rule_set_code: str | None = None) -> Product:
    """Create a product as a draft registration at the commune and log it.

    ``branch`` defaults to the product set's branch (QĐ 26/2026, Phụ lục I); ``rule_set_code``
    to the first of :func:`rule_sets_for_new` for the commune today.

    :raises ValueError: when neither a product set nor a branch is given.
    """
    if rule_set_code is None:
        rule_set_code = rule_sets_for_new(commune)[0].code
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
        rule_set_code=rule_set_code,
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


def _round_result(product: Product, inputs: dict) -> str:
    """Carry the result of the product's closed evaluation round onto it (score and stars,
    or none for a disqualification) and mark that result applied."""
    from ..evaluation.operations import pending_result

    entry = pending_result(product, None)
    if entry is None:  # the guards ensure there is one
        raise workflow.TransitionDenied(_l("No final council result is waiting for this product."))
    entry.applied_at = utcnow()
    if entry.outcome == "disqualified":
        product.score, product.stars = None, None
        return f"round={entry.round_id}; disqualified: {entry.disqualified_reason}"
    product.score, product.stars = entry.score, entry.stars
    return f"round={entry.round_id}; score={entry.score}; stars={entry.stars}"


def validate_certificate(inputs: dict, rule_set: rules.RuleSet) -> dict:
    """Check the recognition decision's number, signing date and certificate number.

    ``inputs`` holds ``decision_no`` (str), ``signed_on`` (:class:`datetime.date`)
    and ``certificate_no`` (str). A certificate number is unique; a decision is not
    signed in the future. Returns the cleaned values.

    :raises InvalidInput: on a missing or invalid value, or a number already issued.
    """
    errors = {}
    decision_no = (inputs.get("decision_no") or "").strip()
    number = (inputs.get("certificate_no") or "").strip()
    signed_on = inputs.get("signed_on")
    if not decision_no:
        errors["decision_no"] = _l("Enter the number of the recognition decision.")
    if signed_on is None:
        errors["signed_on"] = _l("Enter the signing date as dd/mm/yyyy.")
    elif signed_on > local_today():
        errors["signed_on"] = _l("The signing date cannot be in the future.")
    if not number:
        errors["certificate_no"] = _l("Enter the certificate number.")
    elif db.session.scalar(select(Certificate.id).where(Certificate.number == number)) is not None:
        errors["certificate_no"] = _l("This certificate number has already been issued.")
    if errors:
        raise InvalidInput(errors)
    return {"decision_no": decision_no, "signed_on": signed_on, "certificate_no": number}


#: The steps that record a council's result on a product (the date a recognition may follow).
RESULT_ACTIONS = ("finalise_evaluation", "city_council_result", "city_finalise_evaluation")


def _result_date(product: Product) -> dt.date | None:
    """Vietnam's date of the latest council result recorded on ``product`` (a ``RESULT_ACTIONS``
    step), or ``None`` for a product ranked without one in this app (imported history)."""
    at = db.session.scalar(select(StageEvent.at).where(
        StageEvent.product_id == product.id, StageEvent.action.in_(RESULT_ACTIONS)).order_by(StageEvent.id.desc()))
    return clock.local_date(at) if at is not None else None


def _rank(product: Product, inputs: dict) -> str:
    """Recognise the stars: record the decision and issue the certificate (valid for the
    rule set's ``certificate_months`` from signing, QĐ 26/2026 Điều 4.3), issued by the level
    taking the step (the district under QĐ 148/2023 for ★3, else the city).

    A product the council ranked above what this level recognises (★5 at the city, which
    recognises ★3–★4 under QĐ 148/2023 and QĐ 26/2026) is recognised at the level's highest
    star and proposed to the central level.

    :raises InvalidInput: see :func:`validate_certificate`; or signed before the council's result."""
    values = validate_certificate(inputs, product.rule_set)
    result_on = _result_date(product)
    if result_on is not None and values["signed_on"] < result_on:
        raise InvalidInput({"signed_on": _l("The recognition cannot be signed before the council's result "
                                            "(%(date)s).", date=result_on.strftime("%d/%m/%Y"))})
    product.ranked_on = values["signed_on"]
    product.ranked_year = product.ranked_on.year
    product.proposed_central = product.score is not None and product.score >= product.rule_set.central_min_score
    # A level recognises only its own stars (rule set "recognition"; ★5 is the central level's): a
    # potential ★5 is recognised ★4 by the city/province and proposed to the central level.
    council_stars = product.stars
    here = [s for s in range(1, (product.stars or 0) + 1) if product.rule_set.recognising_level(s) == product.level]
    if here and product.stars > max(here):
        product.stars = max(here)
        product.proposed_central = True
    certificate = Certificate(
        product=product, number=values["certificate_no"], decision_no=values["decision_no"],
        signed_on=values["signed_on"], valid_until=product.rule_set.certificate_valid_until(values["signed_on"]),
        stars=product.stars, issued_by=product.level, rule_set_code=product.rule_set_code,
    )
    db.session.add(certificate)
    detail = f"decision={values['decision_no']}; certificate={values['certificate_no']}; signed={values['signed_on']}"
    if council_stars != product.stars:
        detail += f"; council {council_stars} stars, recognised here {product.stars} stars"
    return detail + ("; proposed to the central level" if product.proposed_central else "")


#: Named side effects a transition may declare (``Transition.effects``).
EFFECTS = {"round_result": _round_result, "rank": _rank}


def advance(product: Product, name: str, actor: User, *, reason: str | None = None,
            certificate: dict | None = None, expected_version: int | None = None) -> StageEvent:
    """Take workflow step ``name`` on ``product`` as ``actor`` and log it.

    :param expected_version: the product version the user's form was loaded
        with; a different current version means someone else acted first.
    :raises Conflict: the product changed since ``expected_version``, or a
        concurrent request won the race (compare-and-set on ``version``).
    :raises workflow.TransitionDenied: the step is not open to ``actor`` (403).
    :param certificate: for a step that issues the certificate (``needs_certificate``):
        ``decision_no``, ``signed_on`` and ``certificate_no`` (see :func:`validate_certificate`).
    :raises InvalidInput: a reason or the certificate's data is missing or invalid (422).
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
    details = [EFFECTS[effect](product, certificate or {}) for effect in transition.effects]
    stage, status, level = transition.target
    product.stage, product.status, product.level = stage.value, status.value, level.value
    product.last_actor_id = actor.id
    on_behalf_of = workflow.acting_for(actor, transition)  # a substitute's step (delegation)
    event = _record(product, actor, transition.name, before, reason=reason,
                    detail="; ".join(d for d in details if d), on_behalf_of=on_behalf_of)
    _flush_or_conflict()
    return event


def _flush_or_conflict() -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise Conflict() from exc
