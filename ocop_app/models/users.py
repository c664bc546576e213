"""Staff accounts."""

from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..workflow import Level, Role
from .units import AdminUnit


class User(UserMixin, db.Model):
    """A staff member with one role at one administrative unit.

    The unit's level must match the role's level (a commune approver serves
    a commune); the admin serves no unit.
    """

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    #: Where reminders are e-mailed (none: in-app notifications only).
    email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Bumped to end every session of this user (logout everywhere, deactivation).
    session_epoch: Mapped[int] = mapped_column(default=0)
    #: Bumped by every edit of the account by the administrator (:mod:`ocop_app.admin.accounts`), which
    #: compares and sets it: of two concurrent edits one wins, the other gets 409.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    unit: Mapped[AdminUnit | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login
        return bool(self.active)

    def get_id(self) -> str:  # Flask-Login: session ends when the epoch moves
        return f"{self.id}:{self.session_epoch}"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def level(self) -> Level | None:
        return Role(self.role).level

    def set_password(self, password: str) -> None:
        """Store a salted hash of ``password`` with ``PASSWORD_HASH_METHOD`` (werkzeug's scrypt by default)."""
        from flask import current_app, has_app_context

        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class AccountReview(db.Model):
    """An account whose unit has ended (a district after 1/7/2025, a split commune…), waiting
    for the administrator to decide: move it to a successor unit with a role, or deactivate it.

    ``proposed_*`` is the app's suggestion, made when the review is opened; ``decision``,
    ``chosen_*`` and ``decided_by`` are set when a person confirms. Nothing changes on the
    account until then. One review per account and ended unit.
    """

    __tablename__ = "account_review"
    __table_args__ = (UniqueConstraint("user_id", "old_unit_id", name="uq_account_review_user_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    old_unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    old_role: Mapped[str] = mapped_column(String(32))
    #: ``"move"`` or ``"deactivate"``.
    proposed_action: Mapped[str] = mapped_column(String(16))
    proposed_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"))
    proposed_role: Mapped[str | None] = mapped_column(String(32))
    decision: Mapped[str | None] = mapped_column(String(16))
    chosen_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"))
    chosen_role: Mapped[str | None] = mapped_column(String(32))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    old_unit: Mapped[AdminUnit] = relationship(foreign_keys=[old_unit_id])
    proposed_unit: Mapped[AdminUnit | None] = relationship(foreign_keys=[proposed_unit_id])
    chosen_unit: Mapped[AdminUnit | None] = relationship(foreign_keys=[chosen_unit_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class AccountEvent(db.Model):
    """Audit log of changes to an account's unit, role or activity made by a person or the
    merger (``action``: ``review_opened``, ``move``, ``deactivate``), and of the administrator's
    ``create``, ``edit`` (``detail``: the changed fields, e.g. ``full_name,email``) and
    ``password_reset`` (:mod:`ocop_app.admin.accounts`). Rows are only added."""

    __tablename__ = "account_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(32))
    from_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"))
    to_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"))
    from_role: Mapped[str | None] = mapped_column(String(32))
    to_role: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    from_unit: Mapped[AdminUnit | None] = relationship(foreign_keys=[from_unit_id])
    to_unit: Mapped[AdminUnit | None] = relationship(foreign_keys=[to_unit_id])
