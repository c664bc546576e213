"""WTForms' built-in validation messages, through our own catalog.

WTForms ships no Vietnamese catalog, so its messages ("This field is
required.") would reach Vietnamese users in English. :class:`Translations`
looks them up in the app's catalog instead; the markers below make
``pybabel extract`` put each WTForms message into it (translations in
``tools/vi/core.tsv``). Installed for every form in :func:`ocop_app.create_app`.
"""

from __future__ import annotations

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as ngettext

#: The WTForms messages our forms can show (wtforms/locale/wtforms.pot, WTForms 3).
MESSAGES = (
    _l("This field is required."),
    _l("Invalid input."),
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Invalid choice(s): one or more data inputs could not be coerced."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
    _l("Not a valid date value."),
    _l("Not a valid datetime value."),
    _l("Not a valid time value."),
    _l("Invalid email address."),
    _l("Invalid URL."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Date must be at least %(min)s."),
    _l("Date must be at most %(max)s."),
    _l("Date must be between %(min)s and %(max)s."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Field must be equal to %(other_name)s."),
    _l("This field cannot be edited."),
    _l("This field is disabled and cannot have a value."),
    ngettext("Field must be at least %(min)d character long.",
             "Field must be at least %(min)d characters long.", 1),
    ngettext("Field cannot be longer than %(max)d character.",
             "Field cannot be longer than %(max)d characters.", 1),
    ngettext("Field must be exactly %(max)d character long.",
             "Field must be exactly %(max)d characters long.", 1),
    ngettext("'%(value)s' is not a valid choice for this field.",
             "'%(value)s' are not valid choices for this field.", 1),
)


class Translations:
    """The ``gettext``/``ngettext`` pair WTForms asks a form's ``Meta`` for.

    Returns the message unformatted: WTForms fills in ``%(min)d`` and the like itself.
    """

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


TRANSLATIONS = Translations()


def install() -> None:
    """Make every Flask-WTF form use :data:`TRANSLATIONS` for WTForms' own messages."""
    from flask_wtf import FlaskForm

    FlaskForm.Meta.get_translations = lambda self, form: TRANSLATIONS
