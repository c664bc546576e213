"""Forms of the upgrade plan, the dossier, and the self-assessment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from . import checklist
from .fields import VietDateField, VndField

REQUIRED = _l("This field is required.")
TOO_LONG = _l("Too long: at most %(max)d characters.")


class PlannedDateForm(FlaskForm):
    """The planned evaluation date (ngày dự kiến đánh giá), set by district staff."""

    planned_evaluation_on = VietDateField(_l("Planned evaluation date"))


class DossierFileForm(FlaskForm):
    """Upload one file to a dossier item, with the paper's dates."""

    code = SelectField(_l("Dossier item"), validate_choice=False, validators=[DataRequired(REQUIRED)])
    issued_on = VietDateField(_l("Issue date"))
    expires_on = VietDateField(_l("Expiry date"))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500, message=TOO_LONG)])
    file = FileField(_l("File (PDF, JPEG, PNG, DOCX, XLSX)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.code.choices = [("", _l("— choose an item —"))] + [(i.code, i.label) for i in checklist.ITEMS]


class DossierDatesForm(FlaskForm):
    """Correct an item's dates."""

    issued_on = VietDateField(_l("Issue date"))
    expires_on = VietDateField(_l("Expiry date"))


class UpgradeActionForm(FlaskForm):
    """One action of the upgrade plan."""

    kind = SelectField(_l("Action"), validate_choice=False, validators=[DataRequired(REQUIRED)])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=500, message=TOO_LONG)])
    status = SelectField(_l("Status"), validate_choice=False, validators=[DataRequired(REQUIRED)])
    drop_reason = TextAreaField(_l("Reason for dropping"), validators=[Optional(), Length(max=2000, message=TOO_LONG)])
    cost = VndField(_l("Cost (đồng)"))
    funding = SelectField(_l("Funding source"), validate_choice=False, validators=[Optional()])
    starts_on = VietDateField(_l("Start date"))
    ends_on = VietDateField(_l("End date"))
    evidence = FileField(_l("Evidence (PDF, JPEG, PNG, DOCX, XLSX)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", _l("— choose an action —"))] + list(checklist.ACTION_KINDS.items())
        self.status.choices = list(checklist.ACTION_STATUSES.items())
        self.funding.choices = [("", _l("— not set —"))] + list(checklist.FUNDING.items())
