"""Training courses (lớp tập huấn) and who attended them.

QĐ 490/QĐ-TTg (2018), step 4 of the annual cycle: the district (or city)
trains the OCOP officials of district and communes and the participating
producers. A producer counts as trained for a cycle (a calendar year) when
one of its representatives was present at a course of that cycle.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (Boolean, CheckConstraint, Date, DateTime, ForeignKey, SmallInteger, String, Text,
                        UniqueConstraint, func)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .products import Producer
from .units import AdminUnit
from .users import User


class TrainingCourse(db.Model):
    """A training course organised by a district or a city (``unit``)."""

    __tablename__ = "training_course"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    #: "district" or "city": the level that organises it.
    organiser_level: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    #: The OCOP cycle (calendar year) the course counts for.
    cycle_year: Mapped[int] = mapped_column(SmallInteger, index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    topics: Mapped[str] = mapped_column(Text, default="")
    trainer: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    unit: Mapped[AdminUnit] = relationship()
    attendees: Mapped[list["CourseAttendee"]] = relationship(
        back_populates="course", order_by="CourseAttendee.id", cascade="all, delete-orphan"
    )


class CourseAttendee(db.Model):
    """One person on a course's list: a producer's representative, or an official (a user)."""

    __tablename__ = "course_attendee"
    __table_args__ = (
        UniqueConstraint("course_id", "producer_id", "person_name", name="uq_attendee_producer_person"),
        UniqueConstraint("course_id", "user_id", name="uq_attendee_user"),
        CheckConstraint("(producer_id IS NULL) <> (user_id IS NULL)", name="ck_attendee_producer_or_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_course.id"), index=True)
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("producer.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: The representative's name (for a producer) or the official's name as written on the list.
    person_name: Mapped[str] = mapped_column(String(120), default="")
    present: Mapped[bool] = mapped_column(Boolean, default=True)

    course: Mapped[TrainingCourse] = relationship(back_populates="attendees")
    producer: Mapped[Producer | None] = relationship()
    user: Mapped[User | None] = relationship()
