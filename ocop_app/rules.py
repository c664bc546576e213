"""Rule sets: the governing decision a product's passage runs under, as data.

Loaded from ``ocop_app/data/rule_sets.json`` (sources named in that file).
Nothing in the app hard-codes a threshold: star bands, the stars needed to go
up a level and the chain of levels are read from here.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
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
    #: Level → the star ranks that level recognises, e.g. ``{"district": (3,), "city": (4,), "central": (5,)}``.
    recognition: dict = field(default_factory=dict)
    #: Council defaults: ``quorum`` ("3/4"), ``chair_required``, ``max_spread`` (points).
    council: dict = field(default_factory=dict)
    #: ``review_working_days`` (level → working days), ``rounds_before`` (["MM-DD"]),
    #: ``reevaluation_window_days`` ([from, to] days before expiry, or None),
    #: ``reevaluation_finish_days``, ``expiry_notice_days``, ``revocation_days``,
    #: ``sheet_reminder_days`` (days before a round's end date to remind members of their sheets).
    deadlines: dict = field(default_factory=dict)
    #: Grounds for revoking a certificate: ``({"code", "label"}, ...)``.
    revocation_grounds: tuple = ()
    #: Topic → the source of that topic's values.
    sources: dict = field(default_factory=dict)

    @property
    def has_district(self) -> bool:
        """Whether the chain of levels includes the district (QĐ 1048/2019, QĐ 148/2023)."""
        return "district" in self.levels

    def recognising_level(self, stars: int) -> str | None:
        """The level whose chairperson recognises ``stars`` under this rule set
        (QĐ 148/2023: district ★3, city ★4; QĐ 26/2026 Điều 7: city ★3–★4), or ``None``."""
        for level, ranks in self.recognition.items():
            if stars in ranks:
                return level
        return None

    def review_days(self, level: str) -> int | None:
        """Working days a level has to act on a dossier waiting for it, or ``None`` when the
        decision sets none (QĐ 26/2026 Điều 7: the commune, 15 working days)."""
        return self.deadlines.get("review_working_days", {}).get(level)

    def reevaluation_window(self, valid_until: dt.date) -> tuple[dt.date, dt.date] | None:
        """``(first_day, last_day)`` in which re-evaluation of a certificate valid until
        ``valid_until`` may be filed, or ``None`` if this rule set gives no window.

        QĐ 26/2026 Điều 4: 180 to 120 days before expiry, so a certificate valid until
        2026-12-15 may be re-evaluated from 2026-06-18 to 2026-08-17.
        """
        days = self.deadlines.get("reevaluation_window_days")
        if not days:
            return None
        start, end = days
        return valid_until - dt.timedelta(days=start), valid_until - dt.timedelta(days=end)

    @property
    def expiry_notice_days(self) -> int:
        """Days before expiry from which the producer is told (30, ../shared/OCOP.md)."""
        return int(self.deadlines.get("expiry_notice_days") or 30)

    @property
    def sheet_reminder_days(self) -> int | None:
        """Days before a round's end date (``ends_on``) from which council members whose score
        sheets are not submitted are reminded, or ``None`` when the rule set gives none (a
        deployment choice; see the rule set's ``sources["deadlines"]``)."""
        days = self.deadlines.get("sheet_reminder_days")
        return int(days) if days is not None else None

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
            recognition={level: tuple(ranks) for level, ranks in item.get("recognition", {}).items()},
            council=dict(item.get("council", {})),
            deadlines=dict(item.get("deadlines", {})),
            revocation_grounds=tuple(item.get("revocation_grounds", [])),
            sources=dict(item.get("sources", {})),
        )
    return raw["default"], sets


def _council(raw: dict) -> dict:
    out = {}
    if "quorum" in raw:
        quorum = raw["quorum"]
        parts = quorum.split("/") if isinstance(quorum, str) else quorum  # "3/4" or [3, 4]
        num, den = (int(x) for x in parts)
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


def in_force_on(day: dt.date) -> RuleSet | None:
    """The rule set in force on ``day`` (by ``effective_from``/``effective_to``), or ``None``."""
    for rule_set in all_rule_sets():
        if rule_set.effective_from <= day and (rule_set.effective_to is None or day <= rule_set.effective_to):
            return rule_set
    return None


def for_new_dossiers(day: dt.date, configured: str | None = None, *,
                     district_exists: bool = True) -> list[RuleSet]:
    """The rule sets a commune may register a new dossier under on ``day``: the deployment's
    choice first (``configured``, i.e. the ``OCOP_RULE_SET`` setting, else the data file's
    default), then the rule set in force on ``day`` by its dates if that is another one.

    A deployment may keep an older chain of levels on purpose (Thạch Thất's plan keeps commune →
    district → city, QĐ 148/2023); the decision in force (from 22/5/2026 QĐ 26/2026) stays
    available so that a dossier can go commune → city. A chain through a district is offered
    only while the commune still has a district (``district_exists``): after the 2025 reform
    (NQ 1656/NQ-UBTVQH15, district level ended 1/7/2025) such a dossier would wait for nobody.
    When nothing else is left, the two-level rule set of :func:`two_level_successor` is offered.

    :raises KeyError: if ``configured`` names no rule set.
    """
    candidates = [get(configured or default_code())]
    current = in_force_on(day)
    if current is not None and current.code != candidates[0].code:
        candidates.append(current)
    chosen = [r for r in candidates if district_exists or not r.has_district]
    return chosen or [two_level_successor(day)]


def two_level_successor(day: dt.date) -> RuleSet:
    """The rule set without a district level that governs products re-routed when the district
    level disappears on ``day``: the one in force that day, else the first to start after it
    (1/7/2025 → QĐ 1489/QĐ-TTg, in force from 6/7/2025).

    :raises LookupError: if no rule set without a district level starts on or after ``day``.
    """
    candidates = [r for r in all_rule_sets() if not r.has_district and
                  (r.effective_to is None or r.effective_to >= day)]
    if not candidates:
        raise LookupError(f"no two-level rule set in force on or after {day}")
    return candidates[0]


def revocation_grounds(day: dt.date) -> tuple[dict, ...]:
    """Grounds for revoking a certificate on ``day`` (QĐ 26/2026 Điều 8): those of the rule set
    in force, else of the newest rule set that lists any."""
    current = in_force_on(day)
    if current is not None and current.revocation_grounds:
        return current.revocation_grounds
    for rule_set in reversed(all_rule_sets()):
        if rule_set.revocation_grounds:
            return rule_set.revocation_grounds
    return ()


def as_text() -> str:
    """The rule sets as plain text (``flask --app ocop_app rules list``): decision, period,
    chain of levels, who recognises which stars, sheet version and part maxima, star bands,
    council defaults and deadlines."""
    lines = []
    default = default_code()
    for r in all_rule_sets():
        until = r.effective_to.isoformat() if r.effective_to else "…"
        mark = ""
        if r.code == default:
            mark = (" (default for new dossiers where the district level still exists)" if r.has_district
                    else " (default for new dossiers)")
        lines.append(f"{r.code}{mark}: {r.decision} — {r.effective_from.isoformat()} → {until}")
        lines.append(f"  levels: {' → '.join(r.levels)}")
        lines.append("  recognition: " + ", ".join(
            f"{level} {'/'.join(str(s) + '★' for s in ranks)}" for level, ranks in r.recognition.items()))
        parts = "/".join(str(r.parts_max[k]) for k in sorted(r.parts_max))
        lines.append(f"  sheet: {r.sheet_version} (A/B/C {parts})")
        bands = ", ".join(f"≥{m:g} {s}★" for m, s in r.star_bands)
        lines.append(f"  bands: {bands}; propose to next level ≥{r.propose_min_stars}★; central ≥{r.central_min_score:g}")
        c = r.council
        lines.append(f"  council: quorum {c.get('quorum')}, chair {'required' if c.get('chair_required') else 'not required'}, "
                     f"max spread {c.get('max_spread')} points")
        d = r.deadlines
        review = ", ".join(f"{lv} {n} working days" for lv, n in d.get("review_working_days", {}).items()) or "none"
        window = d.get("reevaluation_window_days")
        lines.append(f"  deadlines: review {review}; rounds before {', '.join(d.get('rounds_before') or []) or '—'}; "
                     f"re-evaluation window {f'{window[0]}–{window[1]} days before expiry' if window else '—'}; "
                     f"certificate {r.certificate_months} months")
    return "\n".join(lines)
