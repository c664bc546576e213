"""Text helpers for Vietnamese: accent folding and number parsing."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation


def fold(text: str | None) -> str:
    """Lower-case ``text`` and strip Vietnamese diacritics, ``đ`` → ``d``.

    Accepts NFC or NFD input: ``fold("BÁNH CHƯNG") == fold("banh chung") == "banh chung"``.
    Runs of white space become one space.
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return re.sub(r"\s+", " ", stripped).strip().lower()


def slug(text: str) -> str:
    """ASCII letters and digits only: ``slug("Thạch Xá") == "thachxa"``."""
    return re.sub(r"[^a-z0-9]", "", fold(text))


def parse_decimal(raw: str | None) -> Decimal | None:
    """Parse a number typed the Vietnamese way or the English way.

    ``"72,5"`` and ``"72.5"`` both give ``Decimal("72.5")``; blank gives ``None``.
    A dot followed by exactly three digits with a comma elsewhere is read as a
    thousands separator (``"1.234,5"``).

    :raises ValueError: when ``raw`` is not a number.
    """
    if raw is None or not str(raw).strip():
        return None
    s = str(raw).strip().replace(" ", "").replace("\u00a0", "")
    if "," in s and "." in s:
        s = s.replace(".", "").replace(",", ".")
    else:
        s = s.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", s):
        raise ValueError(raw)
    try:
        return Decimal(s)
    except InvalidOperation as exc:  # pragma: no cover - regex guards this
        raise ValueError(raw) from exc
