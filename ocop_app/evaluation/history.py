"""What people read about evaluation rounds outside the round pages: a product's past rounds
(the rule set, the part scores against their maxima, who recognised the stars) and the
score sheets waiting for a council member ("Việc của tôi", reminders).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import clock, rules
from ..extensions import db
from ..models import (Certificate, CouncilMember, CouncilRole, EvaluationRound, Product, Reevaluation, RoundProduct,
                      RoundStatus, ScoreChoice, ScoreSheet, SheetPart, SheetStatus, User)
from ..workflow import Level, Role
from . import scoring
from .operations import specs_for


@dataclass
class PartScore:
    """One part of the sheet (A/B/C): the members' mean points and the part's maximum."""

    code: str
    title: str
    mean: Decimal | None
    max_points: Decimal


@dataclass
class RoundRecord:
    """A product's passage through one closed round, as its pages show it.

    ``recognised_by`` is the level that recognised the stars (the certificate's ``issued_by``),
    with ``certificate`` the certificate issued after the round under its rule set, or ``None``.
    """

    round: EvaluationRound
    entry: RoundProduct
    rule_set: rules.RuleSet
    parts: list[PartScore] = field(default_factory=list)
    certificate: Certificate | None = None
    #: The re-evaluation this (written-opinion) round decided, if any.
    reevaluation: Reevaluation | None = None

    @property
    def recognised_by(self) -> Level | None:
        return Level(self.certificate.issued_by) if self.certificate and self.certificate.issued_by in set(Level) else None


def part_scores(entry: RoundProduct) -> list[PartScore]:
    """The mean points per part (A/B/C) of the submitted sheets of the round's scoring members,
    against each part's maximum on the sheet (QĐ 148/2023, QĐ 26/2026: 40/25/35; QĐ 1048/2019:
    35/25/40); a part's mean is ``None`` when no sheet was submitted (QĐ 26/2026 Điều 3.3: the
    product's points are the average of the members' sheets)."""
    scorers = {m.user_id for m in entry.round.members if CouncilRole(m.role).scores}
    sheets = [s for s in entry.sheets if s.status == SheetStatus.SUBMITTED.value and s.member_id in scorers]
    choices: dict[int, dict[int, int]] = {s.id: {} for s in sheets}
    if sheets:
        for sheet_id, criterion_id, option_id in db.session.execute(
                select(ScoreChoice.sheet_id, ScoreChoice.criterion_id, ScoreChoice.option_id)
                .where(ScoreChoice.sheet_id.in_(list(choices)))):
            choices[sheet_id][criterion_id] = option_id
    specs = specs_for(entry.sheet_set_id)
    totals = [scoring.sheet_totals(specs, picked) for picked in choices.values()]
    parts = db.session.execute(select(SheetPart.code, SheetPart.title, SheetPart.max_points)
                               .where(SheetPart.set_id == entry.sheet_set_id).order_by(SheetPart.position)).all()
    return [
        PartScore(code, title, round(sum(t.get(code, Decimal(0)) for t in totals) / len(totals), 2) if totals else None,
                  Decimal(max_points))
        for code, title, max_points in parts
    ]


def certificate_after(entry: RoundProduct) -> Certificate | None:
    """The product's first certificate under the round's rule set signed on or after the round
    closed: the recognition that followed this round's result."""
    round_ = entry.round
    if round_.closed_at is None or entry.outcome != "scored":
        return None
    return db.session.scalars(
        select(Certificate).where(Certificate.product_id == entry.product_id,
                                  Certificate.rule_set_code == round_.rule_set_code,
                                  Certificate.signed_on >= clock.local_date(round_.closed_at))
        .order_by(Certificate.signed_on, Certificate.id)
    ).first()


def record_of(entry: RoundProduct) -> RoundRecord:
    """The :class:`RoundRecord` of a round product (parts and recognition filled in)."""
    reevaluation = None
    if entry.round.written:
        reevaluation = db.session.scalars(select(Reevaluation).where(
            Reevaluation.round_id == entry.round_id, Reevaluation.product_id == entry.product_id)).first()
    return RoundRecord(round=entry.round, entry=entry, rule_set=entry.round.rule_set,
                       parts=part_scores(entry), certificate=certificate_after(entry), reevaluation=reevaluation)


def product_rounds(product: Product) -> list[RoundRecord]:
    """The product's closed rounds, oldest first."""
    entries = db.session.scalars(
        select(RoundProduct).join(EvaluationRound)
        .where(RoundProduct.product_id == product.id, EvaluationRound.status == RoundStatus.CLOSED.value)
        .order_by(EvaluationRound.closed_at, RoundProduct.id)
        .options(joinedload(RoundProduct.round), joinedload(RoundProduct.sheet_set))
    ).unique().all()
    return [record_of(entry) for entry in entries]


def may_open_round(round_: EvaluationRound, user) -> bool:
    """Whether ``user`` may open the round's pages: they serve its unit at its level (the admin all)."""
    role = Role(user.role)
    return role is Role.ADMIN or (user.unit_id == round_.unit_id and role.level == Level(round_.level))


# --------------------------------------------------------------------------
# Sheets waiting for a member
# --------------------------------------------------------------------------


def sheets_waiting(user: User) -> list[ScoreSheet]:
    """``user``'s score sheets still to fill: drafts (not submitted, not recused) of a scoring
    member, for products not yet decided, in open rounds; the round ending first comes first."""
    return list(db.session.scalars(
        select(ScoreSheet).join(RoundProduct).join(EvaluationRound)
        .join(CouncilMember, (CouncilMember.round_id == EvaluationRound.id) & (CouncilMember.user_id == ScoreSheet.member_id))
        .where(ScoreSheet.member_id == user.id, ScoreSheet.status == SheetStatus.DRAFT.value,
               CouncilMember.role != CouncilRole.ADVISOR.value,
               EvaluationRound.status == RoundStatus.OPEN.value, RoundProduct.outcome.is_(None))
        .order_by(EvaluationRound.ends_on, RoundProduct.id)
        .options(joinedload(ScoreSheet.round_product).joinedload(RoundProduct.product),
                 joinedload(ScoreSheet.round_product).joinedload(RoundProduct.round))
    ).unique())


def sheet_overdue(sheet: ScoreSheet, today: dt.date | None = None) -> bool:
    """Whether the sheet's round has passed its date (``ends_on``) while the sheet is a draft."""
    today = today or clock.today()
    return sheet.status == SheetStatus.DRAFT.value and sheet.round_product.round.ends_on < today
