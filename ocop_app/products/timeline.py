"""The product timeline's detail line, in the reader's language.

Operations store a short machine-readable ``StageEvent.detail`` (``"round=2; score=62.00; stars=3"``,
``"decision=12/QĐ-UBND; certificate=HN-1; signed=2026-07-15"``, ``"demo data: <url>"``…) so the audit
log stays stable whatever the language. :func:`describe` turns it into words for the page; a part it
does not know is shown as stored.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _


def _date(value: str) -> str:
    try:
        return format_date(dt.date.fromisoformat(value), "dd/MM/yyyy")
    except ValueError:
        return value


def _number(value: str) -> str:
    try:
        return format_decimal(Decimal(value), "#,##0.##")
    except InvalidOperation:
        return value


def _disqualified(reason: str) -> str:
    from ..models import Disqualification

    try:
        label = Disqualification(reason.strip()).label
    except ValueError:
        label = reason
    return _("disqualified: %(reason)s", reason=label)


#: key → how ``key=value`` reads.
KEYS = {
    "round": lambda v: _("evaluation round no. %(n)s", n=v),
    "score": lambda v: _("score %(score)s", score=_number(v)),
    "stars": lambda v: _("%(n)s stars", n=v),
    "decision": lambda v: _("decision %(no)s", no=v),
    "certificate": lambda v: _("certificate %(no)s", no=v),
    "signed": lambda v: _("signed on %(date)s", date=_date(v)),
    "due": lambda v: _("due by %(date)s", date=_date(v)),
}

#: Whole parts that are phrases, matched by a regular expression → how they read.
PHRASES = (
    (re.compile(r"^disqualified: (.+)$"), lambda m: _disqualified(m.group(1))),
    (re.compile(r"^renewed at (\d)$"), lambda m: _("renewed at %(n)s stars", n=m.group(1))),
    (re.compile(r"^not renewed$"), lambda m: _("not renewed")),
    (re.compile(r"^proposed to the central level$"), lambda m: _("proposed to the central level")),
    (re.compile(r"^demo data: (.+)$"), lambda m: _("demo data, source: %(source)s", source=m.group(1))),
)


def describe(detail: str | None) -> str:
    """``detail`` as words in the current language; parts separated by ``"; "``.

    >>> describe("round=2; score=62.00; stars=3")   # in Vietnamese
    'đợt đánh giá số 2; 62 điểm; 3 sao'
    """
    if not detail:
        return ""
    parts = []
    for part in detail.split("; "):
        key, sep, value = part.partition("=")
        if sep and key in KEYS:
            parts.append(KEYS[key](value))
            continue
        for pattern, render in PHRASES:
            match = pattern.match(part)
            if match:
                parts.append(render(match))
                break
        else:
            parts.append(part)
    return "; ".join(parts)
