"""Forms of the administrator's account pages. The rules (unit of the role's level, unique
username, e-mail, password policy) are checked by :mod:`ocop_app.admin.accounts`, shared with
the command line; the forms carry the fields and the CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from .. import clock
from ..auth.forms import MIN_PASSWORD_LENGTH, confirm_password_field, new_password_field
from ..forms import INT32_MAX, NumberRange
from ..workflow import Level, Role
from . import accounts


def role_choices() -> list[tuple[str, str]]:
    """``(value, label)`` of every role, the administrator last."""
    return [("", _l("— choose a role —"))] + [(r.value, r.label) for r in Role]


def unit_choices(keep=None) -> dict:
    """The units existing today, grouped by level (``<optgroup>``); ``keep`` (the account's current
    unit, if it has ended) is listed too, so that editing other fields keeps it."""
    units = accounts.units_existing_today()
    if keep is not None and keep not in units:
        units.append(keep)
    today = clock.today()
    groups: dict = {_l("No unit (administrator)"): [("", _l("— no unit —"))]}
    for level in accounts.LEVEL_ORDER:
        rows = [(str(u.id), u.display_name if u.valid_on(today) else
                 _l("%(unit)s (ended)", unit=u.display_name)) for u in units if u.level == level.value]
        if rows:
            groups[Level(level).label] = rows
    return groups


class AccountForm(FlaskForm):
    """Full name, role, unit and e-mail of an account (edit); :class:`AccountCreateForm` adds
    the username and the first password."""

    full_name = StringField(_l("Full name"), validators=[
        DataRequired(message=_l("Enter the person's full name.")), Length(max=accounts.FULL_NAME_MAX)])
    role = SelectField(_l("Role"), validate_choice=False)
    unit_id = SelectField(_l("Unit"), validate_choice=False)
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=accounts.EMAIL_MAX)])
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=0, max=INT32_MAX)])

    def __init__(self, *args, keep_unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()
        self.unit_id.choices = unit_choices(keep_unit)


class AccountCreateForm(AccountForm):
    """A new account: username and first password too (no version: nothing to compare)."""

    username = StringField(_l("Username"), validators=[
        DataRequired(message=_l("Enter a username.")), Length(max=80)])
    new_password = new_password_field(_l("Password"))
    confirm = confirm_password_field(_l("Password again"), other="new_password")
    version = None
    #: For the hint under the password field.
    min_password = MIN_PASSWORD_LENGTH


class PasswordResetForm(FlaskForm):
    """The administrator types a new password for an account, twice."""

    new_password = new_password_field()
    confirm = confirm_password_field()
    #: For the hint under the password field.
    min_password = MIN_PASSWORD_LENGTH
