"""Re-evaluation of a certificate nearing expiry (đề nghị đánh giá lại, QĐ 26/2026 Điều 4).

Filed 180 to 120 days before the certificate expires, decided within 45 days by the
council in a round run by written opinion (lấy ý kiến bằng văn bản); a renewal is then
confirmed by the level that recognises the stars, which issues a new certificate.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, ForeignKey, Numeric, SmallInteger, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import rules
from ..extensions import db
from .evaluation import EvaluationRound
from .products import Certificate, Product
from .users import User


class ReevaluationStatus(enum.StrEnum):
    """Filed → in a written-opinion round → decided by the council."""

    FILED = "filed"
    IN_ROUND = "in_round"
    DECIDED = "decided"

    @property
    def label(self):
        return {
            ReevaluationStatus.FILED: _l("Filed, waiting for a round"),
            ReevaluationStatus.IN_ROUND: _l("In a written-opinion round"),
            ReevaluationStatus.DECIDED: _l("Decided by the council"),
        }[self]


class ReevaluationOutcome(enum.StrEnum):
    """The council's decision: renewed at N stars (never more than the certificate's), or not."""

    RENEWED = "renewed"
    NOT_RENEWED = "not_renewed"


class Reevaluation(db.Model):
    """One re-evaluation of one certificate.

    ``open_certificate_id`` is the certificate's id while the re-evaluation is open (filed or
    in a round) and ``NULL`` once decided; it is unique, so two people filing at once leave
    one open re-evaluation (the database refuses the second). ``due_on`` is ``filed_on`` plus
    the governing rule set's ``reevaluation_finish_days`` (45, QĐ 26/2026 Điều 4).
    """

    __tablename__ = "reevaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), index=True)
    open_certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    #: The rule set that governs the re-evaluation (in force on the filing day).
    rule_set_code: Mapped[str] = mapped_column(String(32))
    filed_on: Mapped[dt.date] = mapped_column(Date)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default=ReevaluationStatus.FILED.value)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_round.id"), index=True)
    outcome: Mapped[str | None] = mapped_column(String(16))
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    #: Stars the score earns by the round's rule set (bands and minimum criteria).
    result_stars: Mapped[int | None] = mapped_column(SmallInteger)
    #: Stars of the renewal: min(result, certificate), when at least the recognised minimum.
    renewed_stars: Mapped[int | None] = mapped_column(SmallInteger)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    new_certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    certificate: Mapped[Certificate] = relationship(foreign_keys=[certificate_id])
    new_certificate: Mapped[Certificate | None] = relationship(foreign_keys=[new_certificate_id])
    product: Mapped[Product] = relationship()
    filed_by: Mapped[User | None] = relationship(foreign_keys=[filed_by_id])
    round: Mapped[EvaluationRound | None] = relationship()

    @property
    def rule_set(self) -> rules.RuleSet:
        return rules.get(self.rule_set_code)

    @property
    def status_label(self):
        return ReevaluationStatus(self.status).label

    @property
    def decided(self) -> bool:
        return self.status == ReevaluationStatus.DECIDED.value

    @property
    def awaiting_confirmation(self) -> bool:
        """Renewed by the council, the new certificate not yet issued, and the certificate not
        revoked meanwhile (a revocation ends it at once, QĐ 26/2026 Điều 8)."""
        return (self.decided and self.outcome == ReevaluationOutcome.RENEWED.value
                and self.new_certificate_id is None and self.certificate.revoked_on is None)

    @property
    def finished(self) -> bool:
        """Nothing left to do: not renewed, or renewed and the new certificate issued."""
        return self.decided and not self.awaiting_confirmation

    def overdue_on(self, day: dt.date) -> bool:
        """Not finished and ``day`` is past ``due_on``."""
        return not self.finished and day > self.due_on

    @property
    def result_text(self):
        """The council's result in one plain sentence: points and the stars they earn, then what
        was decided — and that a re-evaluation keeps or lowers the rank, never raises it (raising
        it follows the full route, nâng hạng; QĐ 26/2026 Điều 4). ``""`` until decided; the
        outcome alone for a disqualification (no score)."""
        if not self.decided:
            return ""
        if self.score is None:
            return self.outcome_label
        score = format_decimal(self.score, "#,##0.##")
        rank = _l("%(n)s stars", n=self.result_stars) if self.result_stars else _l("no star rank")
        if self.outcome == ReevaluationOutcome.RENEWED.value:
            if (self.result_stars or 0) > (self.renewed_stars or 0):
                return _l("Result: %(score)s points (%(rank)s) — renewed at %(n)s stars (a re-evaluation does not "
                          "raise the rank; to rank higher, the product files an upgrade)",
                          score=score, rank=rank, n=self.renewed_stars)
            return _l("Result: %(score)s points (%(rank)s) — renewed at %(n)s stars (a re-evaluation keeps or "
                      "lowers the rank, never raises it)", score=score, rank=rank, n=self.renewed_stars)
        return _l("Not renewed: the certificate runs to its expiry — result: %(score)s points (%(rank)s)",
                  score=score, rank=rank)

    @property
    def outcome_label(self):
        if self.outcome == ReevaluationOutcome.RENEWED.value:
            return _l("Renewed at %(n)s stars", n=self.renewed_stars)
        if self.outcome == ReevaluationOutcome.NOT_RENEWED.value:
            return _l("Not renewed: the certificate runs to its expiry")
        return ""
