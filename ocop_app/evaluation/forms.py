"""Forms of the evaluation pages. The score sheet itself is read from the posted radio
groups (``c<criterion id>`` → option id) by :func:`ocop_app.evaluation.views.posted_choices`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from .. import rules
from ..forms import VersionedForm, VietDateField
from ..models import CouncilRole, Disqualification, RoundKind


class RoundForm(FlaskForm):
    """Create an evaluation round at the user's unit."""

    name = StringField(_l("Name of the round"), validators=[DataRequired(), Length(max=200)])
    starts_on = VietDateField(_l("Starts on (dd/mm/yyyy)"), validators=[InputRequired()])
    ends_on = VietDateField(_l("Ends on (dd/mm/yyyy)"), validators=[InputRequired()])
    rule_set_code = SelectField(_l("Rule set"), validators=[DataRequired()])
    kind = SelectField(_l("Kind of round"), default=RoundKind.ORDINARY.value, validators=[Optional()])

    def __init__(self, *args, level: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, k.label) for k in RoundKind]
        self.rule_set_code.choices = [
            (r.code, r.decision) for r in rules.all_rule_sets() if level is None or level in r.levels
        ]


class MemberForm(FlaskForm):
    """Put a person on the council or the advisory team."""

    user_id = SelectField(_l("Person"), coerce=int, validators=[InputRequired()])
    role = SelectField(_l("Role in the round"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [(r.value, r.label) for r in CouncilRole]


class AddProductForm(FlaskForm):
    """Put a product waiting for evaluation into the round."""

    product_id = SelectField(_l("Product"), coerce=int, validators=[InputRequired()])


class ReasonForm(FlaskForm):
    """A step that needs a reason: recusal (conflict of interest), reopening a sheet."""

    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=4000)])


class DisqualifyForm(FlaskForm):
    """The chair records a knock-out that ends the product's evaluation."""

    reason = SelectField(_l("Reason for disqualification"), validators=[DataRequired()])
    note = TextAreaField(_l("Details"), validators=[Optional(), Length(max=4000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = [("", _l("— choose a reason —"))] + [(d.value, d.label) for d in Disqualification]


class CloseForm(VersionedForm):
    """The chair closes the round (carries the round's version to refuse a stale page)."""
