"""Evaluation: the official score sheets (as versioned data), rounds, councils and members' sheets.

Two families of tables:

* The sheet templates, loaded from ``ocop_app/data/sheets/*.json`` by
  ``flask --app ocop_app sheets load`` (:mod:`ocop_app.evaluation.sheets`):
  :class:`SheetVersion` (one decision, e.g. QĐ 26/2026 Phụ lục II) →
  :class:`SheetSet` (one product set's sheet) → :class:`SheetPart` (A/B/C) →
  :class:`SheetGroup` → :class:`Criterion` → :class:`CriterionOption`
  (points and the ``***``/``****``/``*****`` minimum mark). A version used by a
  round is never changed again (the loader refuses).
* The evaluation itself: :class:`EvaluationRound` (đợt đánh giá) with its
  :class:`CouncilMember` rows (hội đồng đánh giá and tổ giúp việc),
  :class:`RoundProduct` (a product put into the round, with its frozen result),
  :class:`ScoreSheet` (phiếu chấm điểm: one member × one product) with one
  :class:`ScoreChoice` per criterion, and the append-only :class:`SheetEvent` log.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (JSON, Date, DateTime, ForeignKey, Numeric, SmallInteger, String, Text, UniqueConstraint,
                        func)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import rules
from ..extensions import db
from .products import Product
from .units import AdminUnit
from .users import User

# --------------------------------------------------------------------------
# Sheet templates
# --------------------------------------------------------------------------


class SheetVersion(db.Model):
    """One decision's score sheets (``qd26-2026``, ``qd1048-2019``), as loaded.

    ``content_hash`` is the SHA-256 of the data file's canonical JSON: the loader
    compares it to decide whether anything changed.
    """

    __tablename__ = "sheet_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    decision: Mapped[str] = mapped_column(String(200))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text, default="")
    parts_max: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    sets: Mapped[list[SheetSet]] = relationship(
        back_populates="version", order_by="SheetSet.no", cascade="all, delete-orphan"
    )


class SheetSet(db.Model):
    """The score sheet of one product set (bộ sản phẩm) within a version."""

    __tablename__ = "sheet_set"
    __table_args__ = (UniqueConstraint("version_id", "no", name="uq_sheet_set_version_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("sheet_version.id", ondelete="CASCADE"), index=True)
    no: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(300))
    branch: Mapped[str | None] = mapped_column(String(200))
    group: Mapped[str | None] = mapped_column(String(200))
    disqualify_if: Mapped[list] = mapped_column(JSON, default=list)
    notes: Mapped[list] = mapped_column(JSON, default=list)

    version: Mapped[SheetVersion] = relationship(back_populates="sets")
    parts: Mapped[list[SheetPart]] = relationship(
        back_populates="sheet_set", order_by="SheetPart.position", cascade="all, delete-orphan"
    )

    def criteria(self) -> list[Criterion]:
        """Every criterion in sheet order."""
        return [c for p in self.parts for g in p.groups for c in g.criteria]


class SheetPart(db.Model):
    """Part A (product and community strength), B (marketing) or C (quality)."""

    __tablename__ = "sheet_part"

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("sheet_set.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    code: Mapped[str] = mapped_column(String(4))
    title: Mapped[str] = mapped_column(Text)
    max_points: Mapped[Decimal] = mapped_column(Numeric(6, 2))

    sheet_set: Mapped[SheetSet] = relationship(back_populates="parts")
    groups: Mapped[list[SheetGroup]] = relationship(
        back_populates="part", order_by="SheetGroup.position", cascade="all, delete-orphan"
    )


class SheetGroup(db.Model):
    """A numbered group of criteria (e.g. "1. TỔ CHỨC SẢN XUẤT")."""

    __tablename__ = "sheet_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("sheet_part.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    code: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(Text)
    max_points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    notes: Mapped[list] = mapped_column(JSON, default=list)

    part: Mapped[SheetPart] = relationship(back_populates="groups")
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="group", order_by="Criterion.position", cascade="all, delete-orphan"
    )


class Criterion(db.Model):
    """A scored criterion: a member picks exactly one of its options."""

    __tablename__ = "criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("sheet_group.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    code: Mapped[str] = mapped_column(String(16))
    printed_code: Mapped[str | None] = mapped_column(String(16))
    parent_title: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    max_points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    notes: Mapped[list] = mapped_column(JSON, default=list)

    group: Mapped[SheetGroup] = relationship(back_populates="criteria")
    options: Mapped[list[CriterionOption]] = relationship(
        back_populates="criterion", order_by="CriterionOption.position", cascade="all, delete-orphan"
    )


class CriterionOption(db.Model):
    """One choice of a criterion; ``min_stars`` 3/4/5 marks the minimum for that star level."""

    __tablename__ = "criterion_option"

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    label: Mapped[str] = mapped_column(Text)
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    min_stars: Mapped[int | None] = mapped_column(SmallInteger)
    case: Mapped[str | None] = mapped_column(Text)

    criterion: Mapped[Criterion] = relationship(back_populates="options")


# --------------------------------------------------------------------------
# Rounds and councils
# --------------------------------------------------------------------------


class RoundStatus(enum.StrEnum):
    """``open`` while scoring; ``closed`` by the chair with results; ``ended`` without results
    when its level ceased to exist (the district level, NQ 1656/NQ-UBTVQH15 from 1/7/2025): its
    products went on to the city (:func:`ocop_app.units.operations.apply_successions`)."""

    OPEN = "open"
    CLOSED = "closed"
    ENDED = "ended"

    @property
    def label(self):
        return {RoundStatus.OPEN: _l("Scoring in progress"), RoundStatus.CLOSED: _l("Closed"),
                RoundStatus.ENDED: _l("Ended without results: the council's level no longer exists")}[self]


class RoundKind(enum.StrEnum):
    """An ordinary evaluation and ranking round, or the re-evaluation of certificates nearing
    expiry, which the council decides by written opinion (lấy ý kiến bằng văn bản,
    QĐ 26/2026 Điều 4)."""

    ORDINARY = "ordinary"
    WRITTEN = "written"

    @property
    def label(self):
        return {
            RoundKind.ORDINARY: _l("Evaluation and ranking"),
            RoundKind.WRITTEN: _l("Re-evaluation by written opinion"),
        }[self]


class CouncilRole(enum.StrEnum):
    """A person's place in a round: the council's chair, secretary and members score;
    the advisory team (tổ giúp việc) prepares the dossiers but does not score."""

    CHAIR = "chair"
    SECRETARY = "secretary"
    MEMBER = "member"
    ADVISOR = "advisor"

    @property
    def scores(self) -> bool:
        return self is not CouncilRole.ADVISOR

    @property
    def label(self):
        return {
            CouncilRole.CHAIR: _l("Chair"),
            CouncilRole.SECRETARY: _l("Secretary"),
            CouncilRole.MEMBER: _l("Member"),
            CouncilRole.ADVISOR: _l("Advisory team"),
        }[self]


class EvaluationRound(db.Model):
    """An evaluation round (đợt đánh giá) of a district or city council.

    ``quorum_numerator/quorum_denominator`` (default 3/4, chair included when
    ``chair_required``) and ``max_spread`` (10 points) are copied from the rule
    set's council rules when the round is created, so a round keeps the rules it
    started with.
    """

    __tablename__ = "evaluation_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    rule_set_code: Mapped[str] = mapped_column(String(32))
    sheet_version_id: Mapped[int] = mapped_column(ForeignKey("sheet_version.id"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=RoundStatus.OPEN.value)
    #: :class:`RoundKind`: ``ordinary`` or ``written`` (re-evaluation by written opinion).
    kind: Mapped[str] = mapped_column(String(16), default=RoundKind.ORDINARY.value,
                                      server_default=RoundKind.ORDINARY.value)
    quorum_numerator: Mapped[int] = mapped_column(SmallInteger)
    quorum_denominator: Mapped[int] = mapped_column(SmallInteger)
    chair_required: Mapped[bool] = mapped_column(default=True)
    max_spread: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(default=1)

    unit: Mapped[AdminUnit] = relationship()
    sheet_version: Mapped[SheetVersion] = relationship()
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    members: Mapped[list[CouncilMember]] = relationship(
        back_populates="round", order_by="CouncilMember.id", cascade="all, delete-orphan"
    )
    products: Mapped[list[RoundProduct]] = relationship(
        back_populates="round", order_by="RoundProduct.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def rule_set(self) -> rules.RuleSet:
        return rules.get(self.rule_set_code)

    @property
    def sheets_borrowed(self) -> bool:
        """Whether the round scores on another decision's sheets than its rule set's own:
        QĐ 148/2023 (and QĐ 1489/2025) rounds use the QĐ 26/2026 Phụ lục II sheets, the same
        40/25/35 parts, because QĐ 148's own sheets are not in our data (rule_sets.json
        ``sources.sheet_version``)."""
        return self.sheet_version is not None and self.sheet_version.code != self.rule_set_code

    @property
    def closed(self) -> bool:
        """No longer open: closed by the chair, or ended by an administrative change."""
        return self.status != RoundStatus.OPEN.value

    @property
    def ended(self) -> bool:
        return self.status == RoundStatus.ENDED.value

    @property
    def written(self) -> bool:
        """A re-evaluation decided by written opinion (QĐ 26/2026 Điều 4)."""
        return self.kind == RoundKind.WRITTEN.value

    @property
    def kind_label(self):
        return RoundKind(self.kind).label

    @property
    def status_label(self):
        return RoundStatus(self.status).label

    @property
    def scorers(self) -> list[CouncilMember]:
        return [m for m in self.members if CouncilRole(m.role).scores]

    @property
    def chair(self) -> CouncilMember | None:
        return next((m for m in self.members if m.role == CouncilRole.CHAIR.value), None)

    def member_for(self, user) -> CouncilMember | None:
        uid = getattr(user, "id", None)
        return next((m for m in self.members if m.user_id == uid), None)


class CouncilMember(db.Model):
    """A person in a round's council (chair, secretary, member) or advisory team."""

    __tablename__ = "council_member"
    __table_args__ = (UniqueConstraint("round_id", "user_id", name="uq_council_member_round_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_round.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))

    round: Mapped[EvaluationRound] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    @property
    def role_label(self):
        return CouncilRole(self.role).label


class Disqualification(enum.StrEnum):
    """Knock-outs that end an evaluation (QĐ 26/2026 Phụ lục II, "Hồ sơ bị loại khi…";
    QĐ 148/2023 Điều 4; provincial council rules)."""

    FORGED_DOSSIER = "forged_dossier"
    NO_FOOD_SAFETY = "no_food_safety"
    INCOMPLETE_DOSSIER = "incomplete_dossier"
    UNKNOWN_ORIGIN = "unknown_origin"
    COPIED_PRODUCT = "copied_product"
    UNSAFE_IMPURITIES = "unsafe_impurities"

    @property
    def label(self):
        return {
            Disqualification.FORGED_DOSSIER: _l("Forged dossier"),
            Disqualification.NO_FOOD_SAFETY: _l("No food-safety facility certificate where one is required"),
            Disqualification.INCOMPLETE_DOSSIER: _l("Incomplete registration dossier"),
            Disqualification.UNKNOWN_ORIGIN: _l("Raw material wholly imported or of unknown origin"),
            Disqualification.COPIED_PRODUCT: _l("Copy of another producer's product"),
            Disqualification.UNSAFE_IMPURITIES: _l("Unsafe impurities in the product"),
        }[self]


class RoundProduct(db.Model):
    """A product put into a round, with its result frozen when the round closes.

    ``outcome`` is ``None`` while the round is open, then ``scored`` (``score``
    and ``stars`` set, ``held_back`` naming the criteria that kept it below its
    band) or ``disqualified`` (``disqualified_reason`` one of :class:`Disqualification`).
    """

    __tablename__ = "round_product"
    __table_args__ = (UniqueConstraint("round_id", "product_id", name="uq_round_product"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_round.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    sheet_set_id: Mapped[int] = mapped_column(ForeignKey("sheet_set.id"))
    outcome: Mapped[str | None] = mapped_column(String(16))
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    stars: Mapped[int | None] = mapped_column(SmallInteger)
    held_back: Mapped[str] = mapped_column(Text, default="")
    proposed: Mapped[bool] = mapped_column(default=False)
    disqualified_reason: Mapped[str | None] = mapped_column(String(32))
    disqualified_note: Mapped[str] = mapped_column(Text, default="")
    disqualified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    disqualified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: When the workflow step that carries this result to the product was taken.
    applied_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    round: Mapped[EvaluationRound] = relationship(back_populates="products")
    product: Mapped[Product] = relationship()
    sheet_set: Mapped[SheetSet] = relationship()
    sheets: Mapped[list[ScoreSheet]] = relationship(
        back_populates="round_product", order_by="ScoreSheet.id", cascade="all, delete-orphan"
    )

    @property
    def disqualification(self) -> Disqualification | None:
        return Disqualification(self.disqualified_reason) if self.disqualified_reason else None


class SheetStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RECUSED = "recused"

    @property
    def label(self):
        return {
            SheetStatus.DRAFT: _l("Not submitted"),
            SheetStatus.SUBMITTED: _l("Submitted"),
            SheetStatus.RECUSED: _l("Recused (conflict of interest)"),
        }[self]


class ScoreSheet(db.Model):
    """A member's score sheet (phiếu chấm điểm) for one product of a round.

    Created as a draft for every scoring member when the product or the member
    joins the round (so opening it never writes). ``revision`` is bumped on every
    save; submitting compare-and-sets ``status`` from draft, so two tabs or a
    double click submit once.
    """

    __tablename__ = "score_sheet"
    __table_args__ = (UniqueConstraint("round_product_id", "member_id", name="uq_score_sheet_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_product_id: Mapped[int] = mapped_column(ForeignKey("round_product.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=SheetStatus.DRAFT.value)
    comment: Mapped[str] = mapped_column(Text, default="")
    #: The member's written opinion (ý kiến bằng văn bản); required to submit in a written round.
    opinion: Mapped[str] = mapped_column(Text, default="", server_default="")
    conflict_reason: Mapped[str] = mapped_column(Text, default="")
    total: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revision: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    round_product: Mapped[RoundProduct] = relationship(back_populates="sheets")
    member: Mapped[User] = relationship()
    choices: Mapped[list[ScoreChoice]] = relationship(back_populates="sheet", cascade="all, delete-orphan")
    events: Mapped[list[SheetEvent]] = relationship(order_by="SheetEvent.id", viewonly=True)

    @property
    def status_label(self):
        return SheetStatus(self.status).label


class ScoreChoice(db.Model):
    """The option a member chose for one criterion on their sheet."""

    __tablename__ = "score_choice"
    __table_args__ = (UniqueConstraint("sheet_id", "criterion_id", name="uq_score_choice_criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheet.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"))
    option_id: Mapped[int] = mapped_column(ForeignKey("criterion_option.id"))

    sheet: Mapped[ScoreSheet] = relationship(back_populates="choices")
    option: Mapped[CriterionOption] = relationship()


class SheetEvent(db.Model):
    """Audit log of a sheet and of a round's decisions: submit, recuse, reopen (with reason),
    disqualify, close."""

    __tablename__ = "sheet_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_round.id", ondelete="CASCADE"), index=True)
    sheet_id: Mapped[int | None] = mapped_column(ForeignKey("score_sheet.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    actor: Mapped[User | None] = relationship()
