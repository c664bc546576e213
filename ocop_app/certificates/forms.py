"""Forms for certificates: revocation, the public check."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..forms import VietDateField


class RevokeForm(FlaskForm):
    """Revoke a certificate (QĐ 26/2026 Điều 8): the legal ground and the decision."""

    ground = SelectField(_l("Legal ground (Article 8)"), validators=[InputRequired(_l("Choose one of the legal grounds."))])
    decision_no = StringField(_l("Revocation decision number"), validators=[
        InputRequired(_l("Enter the number of the revocation decision.")), Length(max=120)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class RenewForm(FlaskForm):
    """Confirm a renewal after re-evaluation (QĐ 26/2026 Điều 4): the decision and the new certificate."""

    decision_no = StringField(_l("Recognition decision number"), validators=[Optional(), Length(max=80)])
    signed_on = VietDateField(_l("Signed on (dd/mm/yyyy)"), validators=[Optional()])
    certificate_no = StringField(_l("New certificate number"), validators=[Optional(), Length(max=60)])
