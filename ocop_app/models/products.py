"""Producers (chủ thể), products and their append-only event log."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Numeric, SmallInteger, String, Text, event, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import catalog, rules
from ..extensions import db
from ..text import vi_sort_key
from .units import AdminUnit
from .users import User


class ProducerType(enum.StrEnum):
    """Kinds of OCOP producer (chủ thể) named in the OCOP decisions."""

    ENTERPRISE = "enterprise"
    COOPERATIVE = "cooperative"
    COOPERATIVE_GROUP = "cooperative_group"
    HOUSEHOLD = "household"
    PRODUCTION_FACILITY = "facility"

    @property
    def label(self):
        return {
            ProducerType.ENTERPRISE: _l("Enterprise"),
            ProducerType.COOPERATIVE: _l("Cooperative"),
            ProducerType.COOPERATIVE_GROUP: _l("Cooperative group"),
            ProducerType.HOUSEHOLD: _l("Household business"),
            ProducerType.PRODUCTION_FACILITY: _l("Production facility"),
        }[self]


class Producer(db.Model):
    """A producer (chủ thể OCOP) in a commune (or, where the source names no commune, a district or city)."""

    __tablename__ = "producer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    type: Mapped[str | None] = mapped_column(String(32))
    registration_no: Mapped[str | None] = mapped_column(String(40))
    #: Phone, e-mail or address as the commune's list gives it.
    contact: Mapped[str] = mapped_column(String(200), default="", server_default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    unit: Mapped[AdminUnit] = relationship()

    @property
    def type_label(self):
        return ProducerType(self.type).label if self.type else ""


class Product(db.Model):
    """An OCOP product on its way through the annual cycle.

    ``stage``/``status``/``level`` are the workflow state (see
    :mod:`ocop_app.workflow`). ``commune_id``/``district_id``/``city_id``
    place it; the most specific one known is set, the ones above it always.
    ``version`` is bumped on every change and checked on every write, so a
    stale form or a lost race is refused instead of applied twice.
    """

    __tablename__ = "product"
    __table_args__ = (
        Index("ix_product_state", "stage", "status", "level"),
        Index("ix_product_public", "stage", "stars"),
        # The public register's two orders, ★ high to low then A–Z, and A–Z (keyset pagination).
        Index("ix_product_public_order", "stage", "stars_desc", "sort_key", "id"),
        Index("ix_product_public_name", "stage", "sort_key", "id"),
        # Counting one product set (filter by bộ sản phẩm): seek (stage, set, ★) instead of reading every
        # ranked row (BENCHMARKS.md, public register).
        Index("ix_product_public_set", "stage", "product_set_no", "stars"),
        # "Not replaced by a ranked upgrade" (a NOT EXISTS on every register row): only upgrades are
        # indexed, so SQLite's planner sees how selective the lookup is instead of scanning the table.
        Index("ix_product_upgrades", "upgrade_of_id", "stage",
              sqlite_where=text("upgrade_of_id IS NOT NULL"), postgresql_where=text("upgrade_of_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Accent- and case-folded name, producer and place, for search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    #: Vietnamese alphabetical key of ``name`` (:func:`ocop_app.text.vi_sort_key`), set on every write.
    sort_key: Mapped[str] = mapped_column(String(1400), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    branch: Mapped[str] = mapped_column(String(16), index=True)
    product_set_no: Mapped[int | None] = mapped_column(SmallInteger)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producer.id"), index=True)
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    rule_set_code: Mapped[str] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    stars: Mapped[int | None] = mapped_column(SmallInteger)
    #: ``-stars``, set by the database (triggers of migration 0005_public), so that "★ high to
    #: low, then A–Z" is one ascending index the register's pages can seek in.
    stars_desc: Mapped[int | None] = mapped_column(SmallInteger)
    proposed_central: Mapped[bool] = mapped_column(Boolean, default=False)
    ranked_on: Mapped[dt.date | None] = mapped_column(Date)
    ranked_year: Mapped[int | None] = mapped_column(SmallInteger)
    #: Who took the step that put the product in its current state (for "not your own step").
    last_actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    source_url: Mapped[str] = mapped_column(Text, default="")
    source_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    version: Mapped[int] = mapped_column(default=1)
    #: For an upgrade (nâng hạng): the ranked passage of the same product this one seeks to raise.
    upgrade_of_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"), index=True)

    producer: Mapped[Producer] = relationship(lazy="joined")
    commune: Mapped[AdminUnit | None] = relationship(foreign_keys=[commune_id])
    district: Mapped[AdminUnit | None] = relationship(foreign_keys=[district_id])
    city: Mapped[AdminUnit] = relationship(foreign_keys=[city_id])
    events: Mapped[list[StageEvent]] = relationship(order_by="StageEvent.id", viewonly=True)
    #: Oldest first by signing date (then id): the last one is the current certificate, so a
    #: renewal after re-evaluation (QĐ 26/2026 Điều 4) takes over from the one it replaces.
    certificates: Mapped[list["Certificate"]] = relationship(
        order_by="(Certificate.signed_on, Certificate.id)", viewonly=True, overlaps="product"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def rule_set(self) -> rules.RuleSet:
        return rules.get(self.rule_set_code)

    @property
    def product_set(self) -> catalog.ProductSet | None:
        return catalog.product_sets().get(self.product_set_no) if self.product_set_no else None

    @property
    def place(self) -> AdminUnit:
        """The most specific unit the product is placed in."""
        return self.commune or self.district or self.city

    @property
    def certificate(self) -> "Certificate | None":
        """The latest certificate issued for the product, if any."""
        return self.certificates[-1] if self.certificates else None

    @property
    def recognised(self) -> bool:
        """Ranked with at least the rule set's recognised star level (★3)."""
        return self.stage == "ranked" and (self.stars or 0) >= self.rule_set.recognised_min_stars


@event.listens_for(Product, "before_insert")
@event.listens_for(Product, "before_update")
def _keep_sort_key(mapper, connection, target: Product) -> None:
    """Keep ``sort_key`` in step with ``name`` whatever operation writes the product."""
    target.sort_key = vi_sort_key(target.name)


class StageEvent(db.Model):
    """One step in a product's history. Append-only: the database refuses updates
    and deletes (triggers in the first migration)."""

    __tablename__ = "stage_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(40))
    from_stage: Mapped[str | None] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    from_level: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    to_level: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    #: The approver a substitute acted for (delegation), or ``None``.
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    product: Mapped[Product] = relationship()
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    on_behalf_of: Mapped[User | None] = relationship(foreign_keys=[on_behalf_of_id])


class CertificateStatus(enum.StrEnum):
    """Whether a certificate (giấy chứng nhận) vouches for its stars today."""

    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    #: Renewed after re-evaluation (QĐ 26/2026 Điều 4): the new certificate speaks for the stars.
    REPLACED = "replaced"

    @property
    def label(self):
        return {
            CertificateStatus.VALID: _l("Valid"),
            CertificateStatus.EXPIRED: _l("Expired"),
            CertificateStatus.REVOKED: _l("Revoked"),
            CertificateStatus.REPLACED: _l("Replaced by a renewed certificate"),
        }[self]


class Certificate(db.Model):
    """The OCOP certificate (giấy chứng nhận) that recognises a product's stars.

    Valid for the rule set's ``certificate_months`` (36 under QĐ 148/2023 and
    QĐ 26/2026, Điều 4.3) from ``signed_on``; revocation (Điều 8) ends it at once.
    """

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    decision_no: Mapped[str] = mapped_column(String(80))
    signed_on: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    stars: Mapped[int] = mapped_column(SmallInteger)
    issued_by: Mapped[str] = mapped_column(String(16))  # level that recognised the stars
    rule_set_code: Mapped[str] = mapped_column(String(32))
    revoked_on: Mapped[dt.date | None] = mapped_column(Date)
    revocation_reason: Mapped[str] = mapped_column(Text, default="")
    #: Code of the legal ground (QĐ 26/2026 Điều 8; ``rules.revocation_grounds``).
    revocation_ground: Mapped[str | None] = mapped_column(String(40))
    #: Number of the revocation decision.
    revocation_decision: Mapped[str | None] = mapped_column(String(120))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    #: The certificate that renewed this one after re-evaluation (QĐ 26/2026 Điều 4), if any.
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))

    product: Mapped[Product] = relationship()
    replaced_by: Mapped["Certificate | None"] = relationship(remote_side=[id], foreign_keys=[replaced_by_id])

    @property
    def rule_set(self) -> rules.RuleSet:
        return rules.get(self.rule_set_code)

    def reevaluation_window(self) -> tuple[dt.date, dt.date] | None:
        """``(first, last)`` day to file re-evaluation (QĐ 26/2026 Điều 4: 180–120 days before
        expiry), or ``None``: the window of the first rule set in force during its own window,
        counted from the day that rule set came into force (a certificate expiring on 2026-10-01
        may be filed from 22/05/2026, when QĐ 26/2026 came into force, to 2026-06-03), else the
        window of the certificate's own rule set."""
        for rule_set in rules.all_rule_sets():
            window = rule_set.reevaluation_window(self.valid_until)
            if window is None:
                continue
            first = max(window[0], rule_set.effective_from)
            last = min(window[1], rule_set.effective_to or window[1])
            if first <= last:
                return first, last
        return self.rule_set.reevaluation_window(self.valid_until)

    def in_reevaluation_window(self, day: dt.date) -> bool:
        """Whether ``day`` lies in the re-evaluation window of a certificate still valid then."""
        window = self.reevaluation_window()
        return (window is not None and self.status_on(day) is CertificateStatus.VALID
                and window[0] <= day <= window[1])

    @property
    def revocation_ground_label(self) -> str:
        """The legal ground of the revocation as the rule set in force that day words it
        (QĐ 26/2026 Điều 8), or ``""`` when not revoked. The officer's note stays internal."""
        if not self.revocation_ground:
            return ""
        grounds = {g["code"]: g["label"] for g in rules.revocation_grounds(self.revoked_on or dt.date.today())}
        return grounds.get(self.revocation_ground, self.revocation_ground)

    def status_on(self, day: dt.date) -> CertificateStatus:
        """Status on ``day``: revoked from ``revoked_on``; replaced from the day its renewal
        was signed (re-evaluation, QĐ 26/2026 Điều 4); expired after ``valid_until``."""
        if self.revoked_on is not None and day >= self.revoked_on:
            return CertificateStatus.REVOKED
        if self.replaced_by_id is not None and self.replaced_by is not None and day >= self.replaced_by.signed_on:
            return CertificateStatus.REPLACED
        if day > self.valid_until:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID


def certificates_valid_on(day: dt.date):
    """SQL condition on :class:`Certificate`: valid on ``day`` (signed, not expired, not revoked,
    not yet replaced by its renewal).

    For the public register: ``select(Product).join(Certificate).where(certificates_valid_on(d))``.
    """
    from sqlalchemy import and_, exists, or_
    from sqlalchemy.orm import aliased

    renewal = aliased(Certificate)
    return and_(
        Certificate.signed_on <= day,
        Certificate.valid_until >= day,
        or_(Certificate.revoked_on.is_(None), Certificate.revoked_on > day),
        ~exists().where(renewal.id == Certificate.replaced_by_id, renewal.signed_on <= day),
    )
