"""Delegation form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from ..forms import VietDateField


class DelegationForm(FlaskForm):
    """Name a substitute for a date range (dates typed dd/mm/yyyy)."""

    substitute = SelectField(_l("Substitute"), coerce=int, validators=[InputRequired(_l("Choose a substitute."))])
    starts_on = VietDateField(_l("From (dd/mm/yyyy)"), validators=[InputRequired(_l("Enter a date as dd/mm/yyyy."))])
    ends_on = VietDateField(_l("To (dd/mm/yyyy)"), validators=[InputRequired(_l("Enter a date as dd/mm/yyyy."))])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])
