"""Operations on evaluation rounds: each changes data, logs it and flushes; views commit once.

Errors: :class:`~ocop_app.products.operations.InvalidInput` (422, a message per
field), :class:`~ocop_app.products.operations.Conflict` (409, someone else acted
first), :class:`~ocop_app.workflow.TransitionDenied` (403, not this person's step).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from .. import clock, rules, workflow
from ..extensions import db
from ..certificates import reevaluation
from ..models import (CouncilMember, CouncilRole, Criterion, CriterionOption, Disqualification,
                      EvaluationRound, Product, RoundKind, RoundProduct, RoundStatus, ScoreChoice, ScoreSheet, SheetEvent,
                      SheetGroup, SheetPart, SheetSet, SheetStatus, SheetVersion, User)
from ..products import operations as product_ops
from ..products.operations import Conflict, InvalidInput, utcnow
from ..workflow import Level, Role, Stage, Status, TransitionDenied
from . import scoring

#: Council role of each evaluating level.
COUNCIL_ROLE = {Level.DISTRICT: Role.DISTRICT_COUNCIL, Level.CITY: Role.CITY_COUNCIL}
#: Roles that set rounds up (create, council, products) at each level.
ORGANISER_ROLES = {
    Level.DISTRICT: {Role.DISTRICT_STAFF, Role.DISTRICT_APPROVER},
    Level.CITY: {Role.CITY_STAFF, Role.CITY_APPROVER},
}
def _log(round_: EvaluationRound, actor: User | None, action: str, sheet: ScoreSheet | None = None,
         reason: str = "") -> None:
    db.session.add(SheetEvent(round_id=round_.id, sheet_id=sheet.id if sheet else None,
                              actor_id=actor.id if actor else None, action=action, reason=reason, at=utcnow()))


def _require_open(round_: EvaluationRound) -> None:
    if round_.closed:
        raise TransitionDenied(_l("This evaluation round is closed."))


def is_organiser(round_or_level, user) -> bool:
    level = Level(round_or_level.level if isinstance(round_or_level, EvaluationRound) else round_or_level)
    return user is not None and Role(user.role) in ORGANISER_ROLES[level]


def is_chair(round_: EvaluationRound, user) -> bool:
    chair = round_.chair
    return chair is not None and user is not None and chair.user_id == user.id


# --------------------------------------------------------------------------
# Rounds, councils, products
# --------------------------------------------------------------------------


def create_round(*, actor: User, name: str, starts_on: dt.date, ends_on: dt.date,
                 rule_set_code: str, kind: str = RoundKind.ORDINARY.value) -> EvaluationRound:
    """Open a round at the actor's unit and level, with the rule set's sheet version and council rules.

    ``kind`` is ``ordinary`` (evaluation and ranking) or ``written``: the re-evaluation of
    certificates by written opinion (QĐ 26/2026 Điều 4), only under a rule set with a
    re-evaluation window and at a level of its chain that recognises stars
    (:func:`ocop_app.certificates.reevaluation.runs_written_rounds`).

    :raises TransitionDenied: the actor does not organise rounds at a district or city.
    :raises InvalidInput: empty name, end before start, a start before the rule set came into force,
        an end more than two years ahead, unknown rule set or its sheets not loaded,
        unknown kind, or a written round the rule set does not provide for at this level.
    """
    level = Role(actor.role).level
    if level not in ORGANISER_ROLES or not is_organiser(level, actor):
        raise TransitionDenied(_l("Only district or city officers and approvers set up evaluation rounds."))
    errors = {}
    if not (name or "").strip():
        errors["name"] = _l("Give the round a name.")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _l("The round cannot end before it starts.")
    try:
        rule_set = rules.get(rule_set_code)
    except KeyError:
        rule_set = None
        errors["rule_set_code"] = _l("Choose a rule set.")
    version = None
    if rule_set is not None and starts_on and starts_on < rule_set.effective_from:
        errors["starts_on"] = _l("%(decision)s came into force on %(date)s: a round under it cannot start earlier.",
                                 decision=rule_set.decision, date=rule_set.effective_from.strftime("%d/%m/%Y"))
    if ends_on and ends_on > clock.today() + dt.timedelta(days=2 * 366):
        errors["ends_on"] = _l("A round is planned at most two years ahead.")
    if rule_set is not None:
        if level.value not in rule_set.levels:
            errors["rule_set_code"] = _l("This rule set has no evaluation at this level.")
        version = db.session.scalars(select(SheetVersion).where(SheetVersion.code == rule_set.sheet_version)).first()
        if version is None:
            errors["rule_set_code"] = _l("The score sheets of this rule set are not loaded (flask sheets load).")
    try:
        kind = RoundKind(kind or RoundKind.ORDINARY.value)
    except ValueError:
        kind = None
        errors["kind"] = _l("Choose the kind of round.")
    if (kind is RoundKind.WRITTEN and rule_set is not None and "rule_set_code" not in errors
            and not reevaluation.runs_written_rounds(rule_set, level)):
        errors["kind"] = _l("Under this rule set the council of this level does not re-evaluate certificates "
                            "by written opinion.")
    if errors:
        raise InvalidInput(errors)
    round_ = EvaluationRound(
        name=name.strip(), level=level.value, unit_id=actor.unit_id, rule_set_code=rule_set.code, kind=kind.value,
        sheet_version=version, starts_on=starts_on, ends_on=ends_on, status=RoundStatus.OPEN.value,
        quorum_numerator=rule_set.quorum[0], quorum_denominator=rule_set.quorum[1],
        chair_required=rule_set.chair_required, max_spread=rule_set.max_spread, created_by_id=actor.id,
    )
    db.session.add(round_)
    db.session.flush()
    _log(round_, actor, "create")
    db.session.flush()
    return round_


def _has_submitted(sheets) -> bool:
    return any(s.status != SheetStatus.DRAFT.value for s in sheets)


def add_member(round_: EvaluationRound, user: User, role: CouncilRole, actor: User) -> CouncilMember:
    """Put ``user`` on the round's council (chair, secretary, member) or advisory team.

    Scoring members must hold the council role of the round's unit; advisers are
    staff of that unit. A scoring member gets a draft sheet for every product.

    :raises InvalidInput: wrong person for the role, already in, or a second chair.
    """
    _require_open(round_)
    role = CouncilRole(role)
    level = Level(round_.level)
    if user.unit_id != round_.unit_id:
        raise InvalidInput({"user_id": _l("This person does not serve the round's unit.")})
    if role.scores and Role(user.role) is not COUNCIL_ROLE[level]:
        raise InvalidInput({"user_id": _l("Council members must hold the council role of this unit.")})
    if not role.scores and Role(user.role).level is not level:
        raise InvalidInput({"user_id": _l("The advisory team is made of staff of this unit.")})
    if round_.member_for(user) is not None:
        raise InvalidInput({"user_id": _l("This person is already in the round.")})
    if role is CouncilRole.CHAIR and round_.chair is not None:
        raise InvalidInput({"role": _l("The council already has a chair.")})
    member = CouncilMember(round=round_, user=user, role=role.value)
    db.session.add(member)
    if role.scores:
        for entry in round_.products:
            db.session.add(ScoreSheet(round_product=entry, member_id=user.id))
    _log(round_, actor, "add_member", reason=f"{user.username}: {role.value}")
    _flush_or_conflict()
    return member


def remove_member(round_: EvaluationRound, member: CouncilMember, actor: User) -> None:
    """Take a person off the round, with their draft sheets.

    :raises InvalidInput: they already submitted or recused on a sheet.
    """
    _require_open(round_)
    sheets = db.session.scalars(
        select(ScoreSheet).join(RoundProduct).where(RoundProduct.round_id == round_.id,
                                                    ScoreSheet.member_id == member.user_id)
    ).all()
    if _has_submitted(sheets):
        raise InvalidInput({"user_id": _l("This member has already submitted or recused; reopen their sheets first.")})
    for sheet in sheets:
        db.session.delete(sheet)
    _log(round_, actor, "remove_member", reason=member.user.username)
    db.session.delete(member)
    _flush_or_conflict()


def eligible_products(round_: EvaluationRound) -> list[Product]:
    """Products the workflow sent to evaluation at the round's unit and level (in the product's own
    chain, :func:`ocop_app.workflow.takes_round`), not yet in an open round nor already scored by
    the city council;
    for a written round, the ranked products with a filed re-evaluation not yet in a round
    (:func:`ocop_app.certificates.reevaluation.eligible_products`)."""
    if round_.written:
        return reevaluation.eligible_products(round_)
    level = Level(round_.level)
    column = Product.district_id if level is Level.DISTRICT else Product.city_id
    in_open_round = (
        select(RoundProduct.product_id).join(EvaluationRound)
        .where(EvaluationRound.status == RoundStatus.OPEN.value)
    )
    states = workflow.round_entry_states(level)
    stmt = (
        select(Product)
        .where(column == round_.unit_id, Product.id.not_in(in_open_round))
        .where(Product.stage.in_({s.value for s, _, _ in states}), Product.level == level.value)
        .order_by(Product.name)
    )
    # In its own chain, and at a city not already scored by the city council since the district proposed it.
    return [p for p in db.session.scalars(stmt)
            if (Stage(p.stage), Status(p.status), Level(p.level)) in states and workflow.takes_round(p, level)
            and not (level is Level.CITY and city_result_recorded(p))]


def add_product(round_: EvaluationRound, product: Product, actor: User) -> RoundProduct:
    """Put a product into the round; every scoring member gets a draft sheet of its product set.

    :raises InvalidInput: the product is not waiting for evaluation here, is in another open
        round, or its product set has no sheet in the round's version.
    """
    _require_open(round_)
    if product not in eligible_products(round_):
        if round_.written:
            raise InvalidInput({"product_id": _l("This product has no filed re-evaluation waiting in this unit, "
                                                 "or it is already in a round.")})
        raise InvalidInput({"product_id": _l("This product is not waiting for evaluation in this unit, "
                                             "or is already in an open round.")})
    sheet_set = db.session.scalars(
        select(SheetSet).where(SheetSet.version_id == round_.sheet_version_id, SheetSet.no == product.product_set_no)
    ).first()
    if sheet_set is None:
        raise InvalidInput({"product_id": _l("The round's score sheets have no sheet for this product's set.")})
    if round_.written:
        reevaluation.enter_round(round_, product)
    entry = RoundProduct(round=round_, product=product, sheet_set=sheet_set)
    db.session.add(entry)
    for member in round_.scorers:
        db.session.add(ScoreSheet(round_product=entry, member_id=member.user_id))
    _log(round_, actor, "add_product", reason=str(product.id))
    _flush_or_conflict()
    return entry


def remove_product(round_: EvaluationRound, entry: RoundProduct, actor: User) -> None:
    """Take a product out of the round while no sheet for it is submitted.

    :raises InvalidInput: a member has already submitted or recused.
    """
    _require_open(round_)
    if _has_submitted(entry.sheets) or entry.outcome:
        raise InvalidInput({"product_id": _l("Sheets for this product are already in; it cannot be taken out.")})
    _log(round_, actor, "remove_product", reason=str(entry.product_id))
    if round_.written:
        reevaluation.leave_round(round_, entry.product)
    db.session.delete(entry)
    _flush_or_conflict()


# --------------------------------------------------------------------------
# Sheets
# --------------------------------------------------------------------------


def criteria_of(sheet_set: SheetSet) -> list[Criterion]:
    """The set's criteria in sheet order, with parts, groups and options loaded in two queries
    (kept for the rest of the request: a sheet version used by a round never changes)."""
    cache = g.setdefault("_criteria", {}) if has_app_context() else {}
    if sheet_set.id not in cache:
        cache[sheet_set.id] = _load_criteria(sheet_set)
    return cache[sheet_set.id]


def _load_criteria(sheet_set: SheetSet) -> list[Criterion]:
    stmt = (
        select(Criterion).join(SheetGroup).join(SheetPart)
        .where(SheetPart.set_id == sheet_set.id)
        .order_by(SheetPart.position, SheetGroup.position, Criterion.position)
        .options(selectinload(Criterion.options), joinedload(Criterion.group).joinedload(SheetGroup.part))
    )
    return list(db.session.scalars(stmt).unique())


def specs_of(criteria: list[Criterion]) -> list[scoring.CriterionSpec]:
    return [
        scoring.CriterionSpec(
            id=c.id, code=c.code, title=c.title, part=c.group.part.code,
            options={o.id: (Decimal(o.points), o.min_stars) for o in c.options},
        )
        for c in criteria
    ]


def specs_for(sheet_set_id: int) -> list[scoring.CriterionSpec]:
    """The arithmetic's view of a set's criteria, read in one query of plain rows (no ORM objects),
    kept for the rest of the request."""
    cache = g.setdefault("_specs", {}) if has_app_context() else {}
    if sheet_set_id in cache:
        return cache[sheet_set_id]
    rows = db.session.execute(
        select(Criterion.id, Criterion.code, Criterion.title, SheetPart.code, CriterionOption.id,
               CriterionOption.points, CriterionOption.min_stars)
        .join(SheetGroup, Criterion.group_id == SheetGroup.id).join(SheetPart, SheetGroup.part_id == SheetPart.id)
        .join(CriterionOption, CriterionOption.criterion_id == Criterion.id)
        .where(SheetPart.set_id == sheet_set_id)
        .order_by(SheetPart.position, SheetGroup.position, Criterion.position, CriterionOption.position)
    ).all()
    specs: dict[int, scoring.CriterionSpec] = {}
    for cid, code, title, part, oid, points, mark in rows:
        if cid not in specs:
            specs[cid] = scoring.CriterionSpec(id=cid, code=code, title=title, part=part, options={})
        specs[cid].options[oid] = (Decimal(points), mark)
    cache[sheet_set_id] = list(specs.values())
    return cache[sheet_set_id]


def choices_of(sheet: ScoreSheet) -> dict[int, int]:
    """``{criterion id: option id}`` saved on ``sheet`` (from :func:`preload`'s rows when a
    read-only page loaded them)."""
    cached = g.get("_choices", {}).get(sheet.id) if has_app_context() else None
    if cached is not None:
        return cached
    return {c.criterion_id: c.option_id for c in sheet.choices}


def _lock_sheet(sheet: ScoreSheet) -> ScoreSheet:
    """Re-read the sheet row under a write lock (PostgreSQL ``FOR UPDATE``; SQLite writes are
    serialised by ``BEGIN IMMEDIATE``), so concurrent saves of one sheet run one after the other."""
    db.session.execute(select(ScoreSheet.id).where(ScoreSheet.id == sheet.id).with_for_update())
    db.session.refresh(sheet)
    return sheet


def _check_sheet_actor(sheet: ScoreSheet, actor: User) -> None:
    if sheet.member_id != actor.id:
        raise TransitionDenied(_l("Only the member a sheet belongs to fills it in."))


def validate_choices(criteria: list[Criterion], raw: dict[int, int | None]) -> dict[int, int]:
    """Keep the choices that name an option of their criterion.

    :raises InvalidInput: a choice names an option that is not one of its criterion's
        (key ``c<criterion id>``).
    """
    valid = {c.id: {o.id for o in c.options} for c in criteria}
    clean, errors = {}, {}
    for criterion_id, option_id in raw.items():
        if option_id is None:
            continue
        if criterion_id not in valid or option_id not in valid[criterion_id]:
            errors[f"c{criterion_id}"] = _l("Choose one of the options listed.")
        else:
            clean[criterion_id] = option_id
    if errors:
        raise InvalidInput(errors)
    return clean


def save_sheet(sheet: ScoreSheet, actor: User, choices: dict[int, int | None], comment: str,
               criteria: list[Criterion], opinion: str | None = None) -> None:
    """Save a draft: the chosen options (one per criterion), the comment and (``None``: unchanged)
    the written opinion.

    :raises Conflict: the sheet was submitted or recused meanwhile (from another tab).
    :raises InvalidInput: an option that does not belong to its criterion.
    :raises TransitionDenied: not the actor's sheet, or the round is closed.
    """
    _check_sheet_actor(sheet, actor)
    _require_open(sheet.round_product.round)
    _forget_choices()
    clean = validate_choices(criteria, choices)
    _lock_sheet(sheet)
    if sheet.status != SheetStatus.DRAFT.value:
        raise Conflict(_l("This sheet has already been submitted; it is locked."))
    existing = {c.criterion_id: c for c in sheet.choices}
    for criterion_id, option_id in clean.items():
        if criterion_id in existing:
            existing[criterion_id].option_id = option_id
        else:
            sheet.choices.append(ScoreChoice(criterion_id=criterion_id, option_id=option_id))
    sheet.comment = (comment or "").strip()
    if opinion is not None:
        sheet.opinion = opinion.strip()
    sheet.revision += 1
    _flush_or_conflict()


#: Errors of :func:`submit_sheet` after which the draft was saved (the caller commits it).
DRAFT_KEPT = frozenset({"missing", "opinion"})


def submit_sheet(sheet: ScoreSheet, actor: User, choices: dict[int, int | None], comment: str,
                 criteria: list[Criterion], opinion: str | None = None) -> Decimal:
    """Save and submit a sheet; it locks. Returns its total (points).

    Counted once: the status moves from draft to submitted by compare-and-set, so a
    second tab or a double click gets :class:`Conflict` and changes nothing.

    :raises InvalidInput: a criterion has no option chosen (``missing`` lists their codes), or, in a
        written round, no written opinion (``opinion``; QĐ 26/2026 Điều 4: the council decides by
        written opinion) — the choices made are kept as a draft by the caller's commit
        (:data:`DRAFT_KEPT`).
    :raises Conflict: already submitted (another tab) or recused.
    """
    save_sheet(sheet, actor, choices, comment, criteria, opinion)
    chosen = choices_of(sheet)
    missing = [c.code for c in criteria if c.id not in chosen]
    errors = {}
    if missing:
        errors["missing"] = _l("Choose an option for every criterion. Still open: %(codes)s", codes=", ".join(missing))
    if sheet.round_product.round.written and not (sheet.opinion or "").strip():
        errors["opinion"] = _l("Write your opinion: in a re-evaluation by written opinion it is required.")
    if errors:
        raise InvalidInput(errors)
    total = scoring.sheet_totals(specs_of(criteria), chosen)["total"]
    changed = db.session.execute(
        update(ScoreSheet)
        .where(ScoreSheet.id == sheet.id, ScoreSheet.status == SheetStatus.DRAFT.value)
        .values(status=SheetStatus.SUBMITTED.value, total=total, submitted_at=utcnow(),
                revision=ScoreSheet.revision + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise Conflict(_l("This sheet has already been submitted; it is locked."))
    _log(sheet.round_product.round, actor, "submit", sheet, reason=f"total={total}")
    db.session.flush()
    db.session.refresh(sheet)
    return total


def recuse(sheet: ScoreSheet, actor: User, reason: str) -> None:
    """The member declares a conflict of interest for this product: their sheet no longer counts.

    :raises InvalidInput: no reason given.
    :raises Conflict: the sheet is not a draft (submitted or already recused).
    """
    _check_sheet_actor(sheet, actor)
    _require_open(sheet.round_product.round)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": _l("Describe the conflict of interest.")})
    _lock_sheet(sheet)
    if sheet.status != SheetStatus.DRAFT.value:
        raise Conflict(_l("Only a sheet not yet submitted can be recused; ask the chair to reopen it."))
    sheet.status = SheetStatus.RECUSED.value
    sheet.conflict_reason = reason
    sheet.total = None
    sheet.revision += 1
    _log(sheet.round_product.round, actor, "recuse", sheet, reason=reason)
    _flush_or_conflict()


def reopen(sheet: ScoreSheet, actor: User, reason: str) -> None:
    """The chair reopens a submitted or recused sheet for re-scoring; the reason is logged.

    :raises TransitionDenied: the actor is not the round's chair, or the round is closed.
    :raises InvalidInput: no reason given.
    :raises Conflict: the sheet is already a draft.
    """
    round_ = sheet.round_product.round
    _require_open(round_)
    if not is_chair(round_, actor):
        raise TransitionDenied(_l("Only the council's chair reopens a sheet."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": _l("Give the reason for reopening the sheet.")})
    if sheet.round_product.outcome:
        raise InvalidInput({"reason": _l("The council has already decided on this product.")})
    _lock_sheet(sheet)
    if sheet.status == SheetStatus.DRAFT.value:
        raise Conflict(_l("This sheet is already open for scoring."))
    sheet.status = SheetStatus.DRAFT.value
    sheet.total = None
    sheet.submitted_at = None
    sheet.conflict_reason = ""
    sheet.revision += 1
    _log(round_, actor, "reopen", sheet, reason=reason)
    _flush_or_conflict()


def disqualify(entry: RoundProduct, actor: User, reason: Disqualification, note: str) -> None:
    """The chair records a knock-out: the product's evaluation ends with this reason
    (QĐ 26/2026 Phụ lục II "Hồ sơ bị loại khi…").

    :raises TransitionDenied: not the chair, or the round is closed.
    :raises InvalidInput: unknown reason.
    :raises Conflict: already decided.
    """
    round_ = entry.round
    _require_open(round_)
    if not is_chair(round_, actor):
        raise TransitionDenied(_l("Only the council's chair records a disqualification."))
    try:
        reason = Disqualification(reason)
    except ValueError:
        raise InvalidInput({"reason": _l("Choose one of the reasons for disqualification.")}) from None
    if entry.outcome:
        raise Conflict(_l("The council has already decided on this product."))
    entry.outcome = "disqualified"
    entry.disqualified_reason = reason.value
    entry.disqualified_note = (note or "").strip()
    entry.disqualified_by_id = actor.id
    entry.disqualified_at = utcnow()
    _log(round_, actor, "disqualify", reason=f"{entry.product_id}: {reason.value} {entry.disqualified_note}".strip())
    _flush_or_conflict()


# --------------------------------------------------------------------------
# Results and closing
# --------------------------------------------------------------------------


def preload(round_: EvaluationRound) -> EvaluationRound:
    """Load the round's members, products, sheets and choices in a handful of queries (for pages
    and exports that show them all) and attach them to ``round_``."""
    entries = db.session.scalars(
        select(RoundProduct).where(RoundProduct.round_id == round_.id).order_by(RoundProduct.id)
        .options(selectinload(RoundProduct.sheets).joinedload(ScoreSheet.member),
                 joinedload(RoundProduct.product), joinedload(RoundProduct.sheet_set))
    ).unique().all()
    members = db.session.scalars(select(CouncilMember).where(CouncilMember.round_id == round_.id)
                                 .order_by(CouncilMember.id).options(joinedload(CouncilMember.user))).all()
    set_committed_value(round_, "products", entries)
    set_committed_value(round_, "members", members)
    if has_app_context():  # every sheet's choices as plain rows, for the arithmetic
        cache = g.setdefault("_choices", {})
        sheet_ids = [s.id for e in entries for s in e.sheets]
        for sheet_id in sheet_ids:
            cache[sheet_id] = {}
        rows = db.session.execute(
            select(ScoreChoice.sheet_id, ScoreChoice.criterion_id, ScoreChoice.option_id)
            .join(ScoreSheet).join(RoundProduct).where(RoundProduct.round_id == round_.id)
        )
        for sheet_id, criterion_id, option_id in rows:
            cache[sheet_id][criterion_id] = option_id
    return round_


def result_of(entry: RoundProduct, criteria: list[Criterion] | None = None) -> scoring.Result:
    """The product's result as the submitted sheets stand (see :func:`scoring.compute`)."""
    round_ = entry.round
    specs = specs_of(criteria) if criteria is not None else specs_for(entry.sheet_set_id)
    scorers = {m.user_id: m for m in round_.scorers}
    sheets = [s for s in entry.sheets if s.member_id in scorers]
    recused = {s.member_id for s in sheets if s.status == SheetStatus.RECUSED.value}
    submitted = [s for s in sheets if s.status == SheetStatus.SUBMITTED.value]
    chair = round_.chair
    if not round_.chair_required:
        chair_ok = True
    elif chair is None:
        chair_ok = False
    else:  # the chair is in the quorum, unless recused for this product
        chair_ok = chair.user_id in recused or any(s.member_id == chair.user_id for s in submitted)
    return scoring.compute(
        specs, [choices_of(s) for s in submitted],
        eligible=len(scorers) - len(recused), chair_submitted_or_absent=chair_ok,
        quorum=(round_.quorum_numerator, round_.quorum_denominator), max_spread=Decimal(round_.max_spread),
        stars_for=round_.rule_set.stars_for,
    )


def council_means(product: Product) -> dict[str, float]:
    """The council's mean points per criterion for ``product`` in its latest closed round:
    ``{criterion code: mean points of the submitted sheets of the round's scoring members}``
    (recused and draft sheets do not count), or ``{}`` when no closed round scored it.

    QĐ 26/2026 Điều 3.3: a product's points are the average of the council members' sheets;
    this is the same average, taken per criterion, for the self-assessment comparison.
    """
    entry = db.session.scalars(
        select(RoundProduct).join(EvaluationRound)
        .where(RoundProduct.product_id == product.id, EvaluationRound.status == RoundStatus.CLOSED.value)
        .order_by(EvaluationRound.closed_at.desc(), EvaluationRound.id.desc())
    ).first()
    if entry is None:
        return {}
    scorers = {m.user_id for m in entry.round.scorers}
    rows = db.session.execute(
        select(Criterion.code, CriterionOption.points)
        .select_from(ScoreChoice)
        .join(ScoreSheet, ScoreChoice.sheet_id == ScoreSheet.id)
        .join(Criterion, ScoreChoice.criterion_id == Criterion.id)
        .join(CriterionOption, ScoreChoice.option_id == CriterionOption.id)
        .where(ScoreSheet.round_product_id == entry.id, ScoreSheet.status == SheetStatus.SUBMITTED.value,
               ScoreSheet.member_id.in_(scorers))
    ).all()
    sums: dict[str, list[Decimal]] = {}
    for code, points in rows:
        sums.setdefault(code, []).append(Decimal(points))
    return {code: float(round(sum(values) / len(values), 2)) for code, values in sums.items()}


def proposes(round_: EvaluationRound, score: Decimal | None, stars: int | None) -> bool:
    """Whether a result goes up a level: from a district, ★ ≥ the rule set's ``propose_min_stars``
    unless the district recognises those stars itself (QĐ 148/2023: ★3 stays at the district,
    ★4 and up go to the city; QĐ 1048/2019: ★3 and up); from a city, score ≥ ``central_min_score``
    (90, for ★5 at the central level)."""
    rule_set = round_.rule_set
    if score is None or stars is None:
        return False
    if round_.level == Level.DISTRICT.value:
        return stars >= rule_set.propose_min_stars and stars not in rule_set.recognition.get(round_.level, ())
    return score >= rule_set.central_min_score


def close_round(round_: EvaluationRound, actor: User, *, expected_version: int | None = None) -> list[RoundProduct]:
    """The chair closes the round: every product's result is frozen and its workflow step taken
    (``finalise_evaluation``/``council_disqualify`` at a district, ``city_council_*`` at a city),
    each writing the product's :class:`StageEvent`.

    A written round (re-evaluation, QĐ 26/2026 Điều 4) takes no workflow step: the product stays
    ranked and its re-evaluation is decided (:func:`ocop_app.certificates.reevaluation.decide`:
    renewed at min(result, certificate) stars, or not renewed).

    :raises TransitionDenied: not the chair; the round is already closed; a product's state no longer
        allows the step.
    :raises InvalidInput: some product lacks a quorum or is flagged for re-scoring (``products`` lists them),
        or the round has no products.
    :raises Conflict: the round changed since ``expected_version``.
    """
    if expected_version is not None and expected_version != round_.version:
        raise Conflict(_l("The round changed in the meantime; review it and close again."))
    _require_open(round_)
    if not is_chair(round_, actor):
        raise TransitionDenied(_l("Only the council's chair closes the round."))
    if not round_.products:
        raise InvalidInput({"products": _l("The round has no products.")})
    pending = []
    results = {}
    for entry in round_.products:
        if entry.outcome == "disqualified":
            continue
        result = result_of(entry)
        if not result.final:
            pending.append(entry.product.name)
        results[entry.id] = result
    if pending:
        raise InvalidInput({"products": _l(
            "These products have no final result yet (quorum not met or totals too far apart): %(names)s",
            names=", ".join(pending))})
    for entry in round_.products:
        if entry.id in results:
            result = results[entry.id]
            entry.outcome = "scored"
            entry.score, entry.stars = result.score, result.stars
            entry.held_back = "; ".join(
                f"★{s.stars} {s.code} {s.title} ({s.mean_points} < {s.required})" for s in result.held_back
            )
            entry.proposed = not round_.written and proposes(round_, result.score, result.stars)
    round_.status = RoundStatus.CLOSED.value
    round_.closed_by_id = actor.id
    round_.closed_at = utcnow()
    _log(round_, actor, "close")
    _flush_or_conflict()
    if round_.written:
        decided = [reevaluation.decide(entry, actor) for entry in round_.products]
        _flush_or_conflict()
        for renewal in decided:  # the approver who confirms each renewal is told now
            reevaluation.tell_confirmers(renewal)
        return list(round_.products)
    for entry in round_.products:
        reason = ""
        if entry.outcome == "disqualified":
            reason = f"{entry.disqualification.label}. {entry.disqualified_note}".strip()
        step = workflow.round_step(entry.product, entry.outcome)
        product_ops.advance(entry.product, step.name, actor, reason=reason)
    return list(round_.products)


def pending_result(product: Product, outcome: str | None) -> RoundProduct | None:
    """The product's result from a closed round not yet carried onto it (``outcome`` ``"scored"``,
    ``"disqualified"`` or ``None`` for either), or ``None``."""
    stmt = (
        select(RoundProduct).join(EvaluationRound)
        .where(RoundProduct.product_id == product.id, EvaluationRound.status == RoundStatus.CLOSED.value,
               EvaluationRound.kind == RoundKind.ORDINARY.value,
               RoundProduct.applied_at.is_(None), RoundProduct.outcome.is_not(None))
        .order_by(EvaluationRound.closed_at.desc(), RoundProduct.id.desc())
    )
    if outcome is not None:
        stmt = stmt.where(RoundProduct.outcome == outcome)
    return db.session.scalars(stmt).first()


def city_result_recorded(product: Product) -> bool:
    """Whether the city council's result has been carried onto ``product`` since the district last
    proposed it to the city (the ``city_council_result`` step after the latest ``propose_to_city``).

    Under QĐ 1048/2019 and QĐ 148/2023 the city/province council scores what the districts propose
    before the chairperson recognises it; the district's score alone does not rank a product at the city.
    """
    from ..models import StageEvent

    last = db.session.scalar(
        select(StageEvent.action).where(StageEvent.product_id == product.id,
                                        StageEvent.action.in_(("propose_to_city", "city_council_result")))
        .order_by(StageEvent.id.desc()).limit(1))
    return last == "city_council_result"


def _forget_choices() -> None:
    if has_app_context():
        g.pop("_choices", None)


def _flush_or_conflict() -> None:
    product_ops._flush_or_conflict()

