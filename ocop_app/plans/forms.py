"""Forms of the plan pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FieldList, FormField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from .. import catalog
from ..models import PlanMetric


class BranchTargetForm(FlaskForm):
    """A target limited to one product branch (no CSRF of its own: part of :class:`PlanForm`)."""

    class Meta:
        csrf = False

    metric = SelectField(_l("Target"), validators=[Optional()])
    branch = SelectField(_l("Product group"), validators=[Optional()])
    value = IntegerField(_l("Number"), validators=[Optional(), NumberRange(min=0, max=100000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.metric.choices = [("", "—")] + [(m.value, m.label) for m in PlanMetric if not m.is_percent]
        self.branch.choices = [("", "—")] + [(code, f"{num}. {label}") for code, (num, label) in catalog.BRANCHES.items()]


class PlanForm(FlaskForm):
    """A plan (kế hoạch) with one optional target per metric and up to four targets by branch."""

    number = StringField(_l("Plan number"), validators=[DataRequired(), Length(max=60)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    issued_on = DateField(_l("Date (dd/mm/yyyy)"), format=["%d/%m/%Y", "%Y-%m-%d"], validators=[DataRequired()])
    year_from = IntegerField(_l("From year"), validators=[DataRequired(), NumberRange(min=2018, max=2100)])
    year_to = IntegerField(_l("To year"), validators=[DataRequired(), NumberRange(min=2018, max=2100)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])
    branch_targets = FieldList(FormField(BranchTargetForm), min_entries=4, max_entries=4)

    def validate_year_to(self, field):
        if self.year_from.data and field.data and field.data < self.year_from.data:
            raise ValidationError(_l("The period ends before it begins."))

    def metric_fields(self):
        return [(m, getattr(self, f"t_{m.value}")) for m in PlanMetric]


for _metric in PlanMetric:
    _max = 100 if _metric.is_percent else 100000
    setattr(PlanForm, f"t_{_metric.value}", IntegerField(
        _metric.label, validators=[Optional(), NumberRange(min=0, max=_max)]))
