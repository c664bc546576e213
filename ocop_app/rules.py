"""Rule sets: the governing decision a product's passage runs under, as data.

Loaded from ``ocop_app/data/rule_sets.json`` (sources named in that file).
Nothing in the app hard-codes a threshold: star bands, the stars needed to go
up a level and the chain of levels are read from here.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "rule_sets.json"


@dataclass(frozen=True)
class RuleSet:
    """One governing decision's rules.

    ``star_bands`` is a list of ``(min_score, stars)`` pairs, highest first;
    a score belongs to the first band whose minimum it reaches (points out of 100).
    """

    code: str
    decision: str
    title: str
    effective_from: dt.date
    effective_to: dt.date | None
    levels: tuple[str, ...]
    parts_max: dict
    sheet_version: str
    star_bands: tuple[tuple[Decimal, int], ...]
    propose_min_stars: int
    recognised_min_stars: int
    central_min_score: Decimal
    certificate_months: int
    #: Council rules: quorum as (numerator, denominator) of the scoring members, whether the
    #: chair must be among them, and the largest spread of members' totals (points) accepted
    #: without discussion and re-scoring.
    quorum: tuple[int, int] = (3, 4)
    chair_required: bool = True
    max_spread: Decimal = Decimal(10)

    def stars_for(self, score: Decimal | float | int) -> int:
        """Star rank (1–5) for a score out of 100, by this rule set's bands.

        Source: Điều 3.3 of QĐ 1048/2019, QĐ 148/2023 and QĐ 26/2026
        (90–100 ★5, 70–<90 ★4, 50–<70 ★3, 30–<50 ★2, <30 ★1).

        :raises ValueError: if ``score`` is outside 0–100.
        """
        value = Decimal(str(score))
        if value < 0 or value > 100:
            raise ValueError(f"score {score} is outside 0–100")
        for minimum, stars in self.star_bands:
            if value >= minimum:
                return stars
        raise ValueError(f"no star band for {score}")  # pragma: no cover - bands start at 0

    def certificate_valid_until(self, signed_on: dt.date) -> dt.date:
        """Last day a certificate signed on ``signed_on`` is valid: ``certificate_months``
        later (36 months, QĐ 26/2026 Điều 4.3). 2023-12-15 → 2026-12-15; a day that does
        not exist in the target month falls back to the month's last day."""
        month = signed_on.month - 1 + self.certificate_months
        year, month = signed_on.year + month // 12, month % 12 + 1
        for day in (signed_on.day, 30, 29, 28):
            try:
                return dt.date(year, month, min(day, signed_on.day))
            except ValueError:
                continue
        raise AssertionError("unreachable")  # pragma: no cover


@cache
def _load() -> tuple[str, dict[str, RuleSet]]:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    sets = {}
    for item in raw["rule_sets"]:
        sets[item["code"]] = RuleSet(
            code=item["code"],
            decision=item["decision"],
            title=item["title"],
            effective_from=dt.date.fromisoformat(item["effective_from"]),
            effective_to=dt.date.fromisoformat(item["effective_to"]) if item["effective_to"] else None,
            levels=tuple(item["levels"]),
            parts_max=dict(item["parts_max"]),
            sheet_version=item["sheet_version"],
            star_bands=tuple(
                sorted(((Decimal(str(m)), int(s)) for m, s in item["star_bands"]), reverse=True)
            ),
            propose_min_stars=int(item["propose_min_stars"]),
            recognised_min_stars=int(item["recognised_min_stars"]),
            central_min_score=Decimal(str(item["central_min_score"])),
            certificate_months=int(item["certificate_months"]),
            **_council(item.get("council") or {}),
        )
    return raw["default"], sets


def _council(raw: dict) -> dict:
    out = {}
    if "quorum" in raw:
        num, den = (int(x) for x in raw["quorum"])
        if not 0 < num <= den:
            raise ValueError(f"bad quorum {raw['quorum']}")
        out["quorum"] = (num, den)
    if "chair_required" in raw:
        out["chair_required"] = bool(raw["chair_required"])
    if "max_spread" in raw:
        out["max_spread"] = Decimal(str(raw["max_spread"]))
    return out


def all_rule_sets() -> list[RuleSet]:
    """Every rule set, oldest first."""
    return sorted(_load()[1].values(), key=lambda r: r.effective_from)


def get(code: str) -> RuleSet:
    """The rule set ``code``.

    :raises KeyError: if there is no such rule set.
    """
    return _load()[1][code]


def default_code() -> str:
    """Code of the rule set the data file names as default for new dossiers."""
    return _load()[0]
