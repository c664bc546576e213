"""Forms of the staff product pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.widgets import HiddenInput
from wtforms.validators import DataRequired, Length, Optional

from .. import catalog
from ..forms import INT32_MAX, NumberRange, VersionedForm, VietDateField
from ..models import ProducerType


def product_set_choices():
    return [("", _l("— choose a product set —"))] + [
        (str(ps.no), f"{ps.no}. {ps.name}") for ps in catalog.product_sets().values()
    ]


def producer_type_choices():
    return [(t.value, t.label) for t in ProducerType]


class ProductForm(FlaskForm):
    """Register or edit a product (while it is a draft or returned, at the commune)."""

    name = StringField(_l("Product name"), validators=[DataRequired(), Length(max=200)])
    product_set_no = SelectField(_l("Product set (QĐ 26/2026, Phụ lục I)"), validators=[DataRequired()])
    producer_name = StringField(_l("Producer (chủ thể)"), validators=[DataRequired(), Length(max=200)])
    producer_type = SelectField(_l("Producer type"), validators=[DataRequired()])
    registration_no = StringField(_l("Business registration number"), validators=[Optional(), Length(max=40)])
    description = TextAreaField(_l("Short description"), validators=[Optional(), Length(max=4000)])
    #: Only when registering: the governing decision of the new dossier (its chain of levels,
    #: score sheet and bands); choices from :func:`ocop_app.rules.for_new_dossiers`.
    rule_set_code = SelectField(_l("Governing decision"), validators=[Optional()])
    version = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=0, max=INT32_MAX)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.product_set_no.choices = product_set_choices()
        self.producer_type.choices = producer_type_choices()


class TransitionForm(VersionedForm):
    """Take one workflow step; ``reason`` and the certificate's data are checked by the
    operation when the step needs them."""

    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=4000)])
    decision_no = StringField(_l("Recognition decision number"), validators=[Optional(), Length(max=80)])
    signed_on = VietDateField(_l("Signed on (dd/mm/yyyy)"), validators=[Optional()])
    certificate_no = StringField(_l("Certificate number"), validators=[Optional(), Length(max=60)])


class ProductFilterForm(FlaskForm):
    """Filters of the staff product list (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    stage = SelectField(_l("Stage"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])
    commune = SelectField(_l("Commune"), validators=[Optional()])
    branch = SelectField(_l("Product group"), validators=[Optional()])
    reached = SelectField(_l("Stage reached"), validators=[Optional()])
    ranked_at = SelectField(_l("Ranking level reached"), validators=[Optional()])
    #: A plan's period: products that first reached the chosen stage (or level) in these years.
    year_from = IntegerField(_l("From year"), validators=[Optional(), NumberRange(2000, 2100)])
    year_to = IntegerField(_l("To year"), validators=[Optional(), NumberRange(2000, 2100)])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=INT32_MAX)], default=1)
