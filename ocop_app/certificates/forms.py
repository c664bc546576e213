"""Forms for certificates: revocation, the public check."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..forms import VietDateField


class RevokeForm(FlaskForm):
    """Revoke a certificate (QĐ 26/2026 Điều 8): the legal ground and the decision.

    The certificate page also holds :class:`RenewForm`, so every element id here starts with
    ``revoke-`` (the posted names stay as they are)."""

    ground = SelectField(_l("Legal ground (Article 8)"), id="revoke-ground", validators=[InputRequired(_l("Choose one of the legal grounds."))])
    decision_no = StringField(_l("Revocation decision number"), id="revoke-decision_no", validators=[
        InputRequired(_l("Enter the number of the revocation decision.")), Length(max=120)])
    note = TextAreaField(_l("Note"), id="revoke-note", validators=[Optional(), Length(max=2000)])


class RenewForm(FlaskForm):
    """Confirm a renewal after re-evaluation (QĐ 26/2026 Điều 4): the decision and the new certificate.
    Element ids start with ``renew-`` (see :class:`RevokeForm`)."""

    decision_no = StringField(_l("Recognition decision number"), id="renew-decision_no", validators=[Optional(), Length(max=80)])
    signed_on = VietDateField(_l("Signed on (dd/mm/yyyy)"), id="renew-signed_on", validators=[Optional()])
    certificate_no = StringField(_l("New certificate number"), id="renew-certificate_no", validators=[Optional(), Length(max=60)])
