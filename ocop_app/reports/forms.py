"""Forms of the reports area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired

from ..forms import NumberRange


class ImportForm(FlaskForm):
    """Upload a spreadsheet of registrations."""

    file = FileField(_l("Spreadsheet (.xlsx or .csv)"), validators=[FileRequired(_l("Choose a file to upload."))])


class QuarterForm(FlaskForm):
    """Choose the quarter of a progress report (GET, no CSRF)."""

    class Meta:
        csrf = False

    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2018, max=2100)])
    quarter = SelectField(_l("Quarter"), validators=[InputRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.quarter.choices = [("1", "I"), ("2", "II"), ("3", "III"), ("4", "IV")]
