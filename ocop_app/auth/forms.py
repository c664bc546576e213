"""Login and password forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


#: Minimum length of a new password (NIST SP 800-63B: at least 8; we ask 10).
MIN_PASSWORD_LENGTH = 10


class PasswordChangeForm(FlaskForm):
    """Current password, and the new one twice."""

    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(message=_l("Enter your current password.")), Length(max=200)])
    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(message=_l("Enter a new password.")),
        Length(min=MIN_PASSWORD_LENGTH, max=200, message=_l("Use at least %(min)d characters.")),
    ])
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(message=_l("Enter the new password again.")),
        EqualTo("new_password", message=_l("The two new passwords differ.")),
    ])


def password_needs_rehash(password_hash: str) -> bool:
    """True if ``password_hash`` was not made with the configured method
    (``PASSWORD_HASH_METHOD``, werkzeug's ``scrypt`` by default); the login then re-hashes it."""
    from flask import current_app

    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return not password_hash.split("$", 1)[0].startswith(method)
