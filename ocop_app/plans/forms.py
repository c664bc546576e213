"""Forms of the plan pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation, ValidationError

from .. import catalog
from wtforms.widgets import TextInput

from ..forms import NumberRange, VietDateField
from ..models import PlanMetric


REQUIRED = _l("This field is required.")


class WholeNumberField(IntegerField):
    """An integer field whose parse error is in our catalog (WTForms ships no Vietnamese).

    Rendered as a text box with a numeric keyboard, not ``type="number"``: a browser empties a number
    box whose value it cannot parse, so what the user typed would be lost on a 422."""

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "numeric"})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip().replace(".", "").replace(" ", ""))
        except ValueError as exc:
            self.data = None
            raise ValueError(_l("Enter a whole number.")) from exc

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # the parse error alone; no range message about a missing number


class BranchTargetForm(FlaskForm):
    """A target limited to one product branch (no CSRF of its own: part of :class:`PlanForm`)."""

    class Meta:
        csrf = False

    metric = SelectField(_l("Target"), validators=[Optional()])
    branch = SelectField(_l("Product group"), validators=[Optional()])
    value = WholeNumberField(_l("Number"), validators=[Optional(), NumberRange(min=0, max=100000, message=_l(
        "Between %(min)s and %(max)s."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.metric.choices = [("", "—")] + [(m.value, m.label) for m in PlanMetric if not m.is_percent]
        self.branch.choices = [("", "—")] + [(code, f"{num}. {label}") for code, (num, label) in catalog.BRANCHES.items()]


class PlanForm(FlaskForm):
    """A plan (kế hoạch) with one optional target per metric and up to four targets by branch."""

    number = StringField(_l("Plan number"), validators=[DataRequired(REQUIRED), Length(max=60)])
    title = StringField(_l("Title"), validators=[DataRequired(REQUIRED), Length(max=300)])
    issued_on = VietDateField(_l("Date (dd/mm/yyyy)"), validators=[InputRequired(REQUIRED)])
    year_from = WholeNumberField(_l("From year"), validators=[InputRequired(REQUIRED), NumberRange(
        min=2018, max=2100, message=_l("Between %(min)s and %(max)s."))])
    year_to = WholeNumberField(_l("To year"), validators=[InputRequired(REQUIRED), NumberRange(
        min=2018, max=2100, message=_l("Between %(min)s and %(max)s."))])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])
    branch_targets = FieldList(FormField(BranchTargetForm), min_entries=4, max_entries=4)

    def validate_year_to(self, field):
        if self.year_from.data and field.data and field.data < self.year_from.data:
            raise ValidationError(_l("The period ends before it begins."))

    def metric_fields(self):
        return [(m, getattr(self, f"t_{m.value}")) for m in PlanMetric]


for _metric in PlanMetric:
    _max = 100 if _metric.is_percent else 100000
    setattr(PlanForm, f"t_{_metric.value}", WholeNumberField(
        _metric.label, validators=[Optional(), NumberRange(min=0, max=_max, message=_l("Between %(min)s and %(max)s."))]))
