"""Login and password forms, and the password policy every new password follows."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


#: Minimum length of a new password (NIST SP 800-63B: at least 8; we ask 10).
MIN_PASSWORD_LENGTH = 10
#: Longest password accepted (the login form takes no more).
MAX_PASSWORD_LENGTH = 200


def password_problem(password: str):
    """Why ``password`` may not be a new password, or ``None`` if it may.

    The one password policy: changing one's own password, the administrator's reset and the
    ``flask users create`` command all ask it. At least :data:`MIN_PASSWORD_LENGTH` characters
    (NIST SP 800-63B asks 8), at most :data:`MAX_PASSWORD_LENGTH`.

    :returns: a lazy message (Vietnamese in a Vietnamese request) or ``None``.
    """
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return _l("Use at least %(min)d characters.", min=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _l("Use at most %(max)d characters.", max=MAX_PASSWORD_LENGTH)
    return None


class PasswordPolicy:
    """WTForms validator applying :func:`password_problem`."""

    def __call__(self, form, field):
        problem = password_problem(field.data or "")
        if problem is not None:
            raise ValidationError(str(problem))


def new_password_field(label=None) -> PasswordField:
    """A new password field under the policy (:func:`password_problem`)."""
    return PasswordField(label or _l("New password"), validators=[
        DataRequired(message=_l("Enter a new password.")), PasswordPolicy()])


def confirm_password_field(label=None, other: str = "new_password") -> PasswordField:
    """The new password typed again; must equal field ``other``."""
    return PasswordField(label or _l("New password again"), validators=[
        DataRequired(message=_l("Enter the new password again.")),
        EqualTo(other, message=_l("The two new passwords differ.")),
    ])


class PasswordChangeForm(FlaskForm):
    """Current password, and the new one twice."""

    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(message=_l("Enter your current password.")), Length(max=200)])
    new_password = new_password_field()
    confirm = confirm_password_field()


def password_needs_rehash(password_hash: str) -> bool:
    """True if ``password_hash`` was not made with the configured method
    (``PASSWORD_HASH_METHOD``, werkzeug's ``scrypt`` by default); the login then re-hashes it."""
    from flask import current_app

    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return not password_hash.split("$", 1)[0].startswith(method)
