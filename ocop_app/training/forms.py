"""Forms of the training pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..dossier.fields import VietDateField


class CourseForm(FlaskForm):
    """A training course (lớp tập huấn)."""

    title = StringField(_l("Course title"), validators=[DataRequired(), Length(max=200)])
    cycle_year = IntegerField(_l("OCOP cycle (year)"), validators=[DataRequired(), NumberRange(2018, 2100)])
    starts_on = VietDateField(_l("Start date"), validators=[DataRequired()])
    ends_on = VietDateField(_l("End date"), validators=[DataRequired()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    trainer = StringField(_l("Trainer"), validators=[Optional(), Length(max=200)])
    topics = TextAreaField(_l("Topics"), validators=[Optional(), Length(max=4000)])


class ImportForm(FlaskForm):
    """Upload an XLSX attendance list for preview."""

    file = FileField(_l("Attendance list (.xlsx)"))


class ConfirmImportForm(FlaskForm):
    """Confirm a previewed import: the checked rows travel signed, nothing is re-read."""

    payload = HiddenField(validators=[DataRequired()])


class AttendeeForm(FlaskForm):
    """Add one person by hand: a producer's representative or an official's user name."""

    person_name = StringField(_l("Full name"), validators=[Optional(), Length(max=120)])
    producer_id = StringField(_l("Producer"), validators=[Optional()])
    username = StringField(_l("Official's user name"), validators=[Optional(), Length(max=80)])
