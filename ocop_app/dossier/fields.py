"""Form fields for Vietnamese input: dates as dd/mm/yyyy, money in đồng as ``1.500.000``."""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.validators import StopValidation
from wtforms.widgets import TextInput


def parse_vn_date(raw: str | None) -> dt.date | None:
    """``"05/03/2026"`` (also ``5/3/2026``, ``05-03-2026``) or ISO ``"2026-03-05"`` → a date; blank → None.

    :raises ValueError: anything else, or a day that does not exist.
    """
    s = (raw or "").strip()
    if not s:
        return None
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", s)
    if m:
        return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", s)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    raise ValueError(raw)


def parse_vnd(raw: str | None) -> int | None:
    """Money in đồng: ``"1.500.000"``, ``"1 500 000"``, ``"1,500,000"``, ``"1500000"``, ``"1.500.000 đ"`` → 1500000.

    :raises ValueError: decimals or anything that is not a whole amount.
    """
    s = (raw or "").strip().lower()
    for unit in ("vnđ", "vnd", "đồng", "đ"):
        s = s.removesuffix(unit).strip()
    s = s.replace("\u00a0", " ")
    if not s:
        return None
    if re.fullmatch(r"\d+", s):
        return int(s)
    for sep in (".", ",", " "):
        if re.fullmatch(r"\d{1,3}(\%s\d{3})+" % sep, s):
            return int(s.replace(sep, ""))
    raise ValueError(raw)


class _TextParsed(Field):
    """A text field that keeps the raw text (so a form with errors shows what was typed)."""

    widget = TextInput()
    message = ""
    parser = staticmethod(lambda raw: raw)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.format(self.data) if self.data is not None else ""

    def format(self, value) -> str:  # pragma: no cover - overridden
        return str(value)

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist:
            try:
                self.data = self.parser(valuelist[0])
            except ValueError as exc:
                # the parser's own message when it has one (lazy string), else the field's
                message = exc.args[0] if exc.args and not isinstance(exc.args[0], str) else self.message
                raise ValueError(message) from exc

    def pre_validate(self, form):
        # WTForms already lists ``process_errors`` in ``errors``: stop without a second copy.
        if self.process_errors:
            raise StopValidation()


class VietDateField(_TextParsed):
    """A date typed as dd/mm/yyyy."""

    message = _l("Enter a date as dd/mm/yyyy, e.g. 15/03/2026.")
    parser = staticmethod(parse_vn_date)

    def __call__(self, **kwargs):
        kwargs.setdefault("placeholder", "dd/mm/yyyy")
        return super().__call__(**kwargs)

    def format(self, value) -> str:
        return value.strftime("%d/%m/%Y")


#: The largest amount a form accepts, in đồng (999.999 tỷ): far above any OCOP budget line, and
#: far inside the BIGINT column (``upgrade_action.cost_vnd``, 64-bit on SQLite and PostgreSQL).
MAX_VND = 10**15 - 1


class VndField(_TextParsed):
    """An amount in đồng typed as 1.500.000 or 1500000, at most :data:`MAX_VND`.

    :raises ValueError: (as a form error) not a whole amount, or larger than :data:`MAX_VND`.
    """

    message = _l("Enter an amount in đồng, e.g. 1.500.000.")
    maximum = MAX_VND

    def parser(self, raw):
        value = parse_vnd(raw)
        if value is not None and value > self.maximum:
            raise ValueError(_l("The amount is too large: at most %(max)s đồng.",
                                max=self.format(self.maximum)))
        return value

    def __call__(self, **kwargs):
        kwargs.setdefault("inputmode", "numeric")
        return super().__call__(**kwargs)

    def format(self, value) -> str:
        return f"{value:,}".replace(",", ".")
