"""Upgrade plans (phương án nâng cấp), the dossier (hồ sơ), uploaded files and the self-assessment.

- Upgrade actions: QĐ 490/QĐ-TTg (2018) step 4 — equipment, label and
  packaging design, trademark registration, business plans, credit, quality
  systems, lab analysis.
- Dossier items: QĐ 26/2026/QĐ-TTg, Điều 6 (what a producer submits); which
  items are required for which product set is data in
  :mod:`ocop_app.dossier.checklist`.
- Self-assessment: form 02 (mẫu 02), the producer's own choice per criterion
  of the score sheet of its product set (QĐ 26/2026, Phụ lục II).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, SmallInteger, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .products import Product
from .users import User


class ProductDossier(db.Model):
    """Per-product dossier settings: the planned evaluation date set by district staff.

    Integration note: once evaluation rounds (đợt đánh giá) exist, the planned
    date defaults from the round the product is put into
    (:func:`ocop_app.dossier.operations.planned_evaluation_date`).
    """

    __tablename__ = "product_dossier"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), unique=True)
    planned_evaluation_on: Mapped[dt.date | None] = mapped_column(Date)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    product: Mapped[Product] = relationship()


class UpgradeAction(db.Model):
    """One action of a product's upgrade plan."""

    __tablename__ = "upgrade_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # ocop_app.dossier.checklist.ACTION_KINDS
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="planned")
    drop_reason: Mapped[str] = mapped_column(Text, default="")
    #: Cost in Vietnamese đồng (whole đồng).
    cost_vnd: Mapped[int | None] = mapped_column(BigInteger)
    funding: Mapped[str | None] = mapped_column(String(16))  # "state" | "own"
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    product: Mapped[Product] = relationship()
    files: Mapped[list["StoredFile"]] = relationship(
        primaryjoin="StoredFile.upgrade_action_id == UpgradeAction.id", order_by="StoredFile.id", viewonly=True
    )


class DossierItem(db.Model):
    """One paper of a product's dossier (one checklist code per product)."""

    __tablename__ = "dossier_item"
    __table_args__ = (UniqueConstraint("product_id", "code", name="uq_dossier_item_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))  # ocop_app.dossier.checklist.ITEMS
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    product: Mapped[Product] = relationship()
    files: Mapped[list["StoredFile"]] = relationship(
        primaryjoin="StoredFile.dossier_item_id == DossierItem.id", order_by="StoredFile.id", viewonly=True
    )


class StoredFile(db.Model):
    """An uploaded file, kept under ``UPLOAD_FOLDER`` as ``stored_name`` (generated, never the
    user's name); ``original_name`` is what the user's computer called it."""

    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    dossier_item_id: Mapped[int | None] = mapped_column(ForeignKey("dossier_item.id"), index=True)
    upgrade_action_id: Mapped[int | None] = mapped_column(ForeignKey("upgrade_action.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    uploaded_by: Mapped[User | None] = relationship()


class SelfAssessment(db.Model):
    """Form 02: the producer's own score sheet, entered by commune or district staff."""

    __tablename__ = "self_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), unique=True)
    sheet_version: Mapped[str] = mapped_column(String(32))
    set_no: Mapped[int] = mapped_column(SmallInteger)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    choices: Mapped[list["SelfAssessmentChoice"]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="SelfAssessmentChoice.id"
    )


class SelfAssessmentChoice(db.Model):
    """The option chosen for one criterion (by its index in the sheet's option list)."""

    __tablename__ = "self_assessment_choice"
    __table_args__ = (UniqueConstraint("assessment_id", "criterion_code", name="uq_self_choice"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("self_assessment.id"), index=True)
    criterion_code: Mapped[str] = mapped_column(String(16))
    option_index: Mapped[int] = mapped_column(SmallInteger)

    assessment: Mapped[SelfAssessment] = relationship(back_populates="choices")
