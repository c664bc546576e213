"""Text helpers for Vietnamese: accent folding and number parsing."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
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


# -- Vietnamese alphabetical order ------------------------------------------------
#: The Vietnamese alphabet (29 letters) with f, j, w, z (loan words) in their Latin places.
_VI_ALPHABET = "a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z".split()
_LETTER_MARKS = {"\u0306": "ă", "\u0302": "â", "\u031b": "ơ"}  # breve, circumflex, horn (applied to a base)
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền, hỏi, ngã, sắc, nặng
_PRIMARY = {letter: f"{12 + i:02d}" for i, letter in enumerate(_VI_ALPHABET)}


def _vi_letter(base: str, marks: str) -> str:
    letter = base
    for mark in marks:
        if mark == "\u0306" and base == "a":
            letter = "ă"
        elif mark == "\u0302" and base in "aeo":
            letter = {"a": "â", "e": "ê", "o": "ô"}[base]
        elif mark == "\u031b" and base in "ou":
            letter = {"o": "ơ", "u": "ư"}[base]
    return letter


@lru_cache(maxsize=8192)
def vi_sort_key(text: str | None) -> str:
    """A key whose plain (byte or digit) order is Vietnamese alphabetical order.

    Letters sort a < ă < â < b < c < d < đ < e < ê < g … o < ô < ơ … u < ư < v < x < y
    (the Vietnamese alphabet, as in the dictionaries of the Viện Ngôn ngữ học and
    Unicode CLDR's ``vi`` collation); tones break ties next (none, huyền, hỏi, ngã,
    sắc, nặng), then case (lower before upper). Digits come before letters, and
    spaces and punctuation before digits. NFC and NFD input give the same key.

    The key uses digits only, so it sorts the same under SQLite's binary collation
    and any PostgreSQL collation. Shape: two digits per character (primary), ``00``,
    one tone digit per character, ``0``, one case digit per character.
    """
    if not text:
        return ""
    primary: list[str] = []
    tones: list[str] = []
    cases: list[str] = []
    decomposed = unicodedata.normalize("NFD", text.strip())
    i = 0
    while i < len(decomposed):
        ch = decomposed[i]
        i += 1
        marks = ""
        while i < len(decomposed) and unicodedata.combining(decomposed[i]):
            marks += decomposed[i]
            i += 1
        lower = ch.lower()
        if lower == "đ" or lower in _PRIMARY:
            letter = _vi_letter(lower, marks) if lower != "đ" else "đ"
            code = _PRIMARY[letter]
        elif ch.isdigit() and ch in "0123456789":
            code = f"{2 + int(ch):02d}"
        elif ch.isspace() or not ch.isalnum():
            if primary and primary[-1] == "01":
                continue  # runs of spaces and punctuation count once
            code = "01"
        else:
            code = "99"  # any other script: after the Latin letters
        tone = max((_TONES.get(m, 0) for m in marks), default=0)
        primary.append(code)
        tones.append(str(tone))
        cases.append("1" if ch != lower else "0")
    while primary and primary[-1] == "01":  # trailing punctuation does not count
        primary.pop(), tones.pop(), cases.pop()
    return "".join(primary) + "00" + "".join(tones) + "0" + "".join(cases)
