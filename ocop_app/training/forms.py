"""Forms of the training pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..dossier.fields import VietDateField
from ..products.operations import local_today

REQUIRED = _l("This field is required.")
TOO_LONG = _l("Too long: at most %(max)d characters.")


def _year(value) -> int | None:
    return int(value) if str(value).isdigit() else None


class CourseForm(FlaskForm):
    """A training course (lớp tập huấn)."""

    title = StringField(_l("Course title"), validators=[DataRequired(REQUIRED), Length(max=200, message=TOO_LONG)])
    cycle_year = SelectField(_l("OCOP cycle (year)"), coerce=_year, validate_choice=False,
                             validators=[InputRequired(REQUIRED)])
    starts_on = VietDateField(_l("Start date"), validators=[DataRequired(REQUIRED)])
    ends_on = VietDateField(_l("End date"), validators=[DataRequired(REQUIRED)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        year = local_today().year
        self.cycle_year.choices = [(y, str(y)) for y in range(year - 2, year + 2)]

    def validate_cycle_year(self, field):
        if field.data not in {y for y, _label in field.choices}:
            raise ValidationError(_l("Choose a year from the list."))
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200, message=TOO_LONG)])
    trainer = StringField(_l("Trainer"), validators=[Optional(), Length(max=200, message=TOO_LONG)])
    topics = TextAreaField(_l("Topics"), validators=[Optional(), Length(max=4000, message=TOO_LONG)])


class ImportForm(FlaskForm):
    """Upload an XLSX attendance list for preview."""

    file = FileField(_l("Attendance list (.xlsx)"))


class ConfirmImportForm(FlaskForm):
    """Confirm a previewed import: the checked rows travel signed, nothing is re-read."""

    payload = HiddenField(validators=[DataRequired(REQUIRED)])


class AttendeeForm(FlaskForm):
    """Add one person by hand: a producer's representative or an official's user name."""

    person_name = StringField(_l("Full name"), validators=[Optional(), Length(max=120, message=TOO_LONG)])
    producer_id = StringField(_l("Producer"), validators=[Optional()])
    username = StringField(_l("Official's user name"), validators=[Optional(), Length(max=80, message=TOO_LONG)])
