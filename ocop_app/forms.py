"""Form pieces shared by every area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, IntegerField
from wtforms.widgets import HiddenInput, TextInput
from wtforms import validators
from wtforms.validators import InputRequired, StopValidation

from .text import parse_decimal


#: The largest value of a PostgreSQL INTEGER column (32-bit); SQLite's INTEGER holds 64 bits.
#: Every whole number a form takes is bounded by its column's range (or tighter).
INT32_MAX = 2**31 - 1


class NumberRange(validators.NumberRange):
    """WTForms' ``NumberRange`` that also refuses a whole number too large for a float.

    WTForms' own calls ``math.isnan(data)``, which raises ``OverflowError`` on an int beyond
    ~1e308 (``"9" * 400`` typed in a field): a 500 instead of a message. Use this one in every form.
    """

    def __call__(self, form, field):
        data = field.data
        if isinstance(data, int) and not isinstance(data, bool) and (
                (self.min is not None and data < self.min) or (self.max is not None and data > self.max)):
            field.data = None  # out of range: compared here, never handed to math.isnan
            try:
                super().__call__(form, field)
            finally:
                field.data = data
            return
        super().__call__(form, field)


class ActionForm(FlaskForm):
    """A CSRF-only form for button posts."""


class VersionedForm(FlaskForm):
    """A form that carries the version of the record it was loaded with."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=0, max=INT32_MAX)])


#: What a user is told when a posted page lacks the record's version, or carries one that is not
#: a version (an old or altered page): nothing was applied (HTTP 409), the page is reloaded.
STALE_PAGE = _l("This page is out of date or incomplete, so nothing was applied. It has been reloaded: "
                "check it and try again.")


def stale_version(field: IntegerField, current: int) -> bool:
    """Whether the posted hidden ``version`` field is missing or not a version (not a whole
    number ≥ 0). If so the field is reset to ``current``, the record's version now, so that the
    re-shown form (with everything else the user typed) can be sent again; the caller answers
    409 with :data:`STALE_PAGE`."""
    if field.data is not None and not field.errors:
        return False
    field.data, field.raw_data, field.errors = current, None, []
    return True


class VietDecimalField(Field):
    """A decimal typed the Vietnamese way (``72,5``) or the English way (``72.5``).

    Keeps the raw text so a form with errors shows what the user typed.
    """

    widget = TextInput()

    def __call__(self, **kwargs):
        kwargs.setdefault("inputmode", "decimal")
        return super().__call__(**kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data).replace(".", ",")

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist:
            try:
                self.data = parse_decimal(valuelist[0])
            except ValueError as exc:
                self.data = None
                raise ValueError(_l("Enter a number, e.g. 72,5.")) from exc

    def pre_validate(self, form):
        # WTForms already lists ``process_errors`` in ``errors``: stop without a second copy.
        if self.process_errors:
            raise StopValidation()


class VietDateField(DateField):
    """A date typed as dd/mm/yyyy (also accepts yyyy-mm-dd); shown as dd/mm/yyyy."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", ["%d/%m/%Y", "%Y-%m-%d"])
        super().__init__(label, validators, **kwargs)

    def __call__(self, **kwargs):
        kwargs.setdefault("placeholder", "dd/mm/yyyy")
        return super().__call__(**kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_l("Enter a date as dd/mm/yyyy, e.g. 15/07/2026.")) from exc
