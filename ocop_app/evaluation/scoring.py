"""The council's arithmetic: sheet totals, quorum, mean, spread and stars. Pure functions.

Sources: QĐ 26/2026/QĐ-TTg (and QĐ 148/2023) Điều 3.3 — the product's score is
the arithmetic mean of the members' totals; star bands 90–100 ★5, 70–<90 ★4,
50–<70 ★3, 30–<50 ★2, <30 ★1; Phụ lục II — options marked ``***``, ``****``,
``*****`` are the minimum for that star level. Quorum and the spread that
forces discussion and re-scoring come from the council rules carried by the
round (copied from the rule set).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable, Iterable, Mapping

TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class CriterionSpec:
    """What the arithmetic needs of a criterion: its part, its options' points and marks.

    ``options`` maps option id → ``(points, min_stars or None)``.
    """

    id: int
    code: str
    title: str
    part: str
    options: Mapping[int, tuple[Decimal, int | None]]

    def required_for(self, stars: int) -> Decimal | None:
        """Points a product must reach on this criterion to have ``stars``: the highest
        points among options marked for ``stars`` or fewer stars; ``None`` if none is marked."""
        marked = [points for points, mark in self.options.values() if mark is not None and mark <= stars]
        return max(marked) if marked else None


def sheet_totals(specs: Iterable[CriterionSpec], choices: Mapping[int, int]) -> dict[str, Decimal]:
    """Part totals and ``"total"`` (points) of one sheet.

    ``choices`` maps criterion id → chosen option id; criteria without a choice count 0.
    Returns e.g. ``{"A": Decimal("30"), "B": ..., "C": ..., "total": Decimal("72")}``.
    """
    totals: dict[str, Decimal] = {}
    for spec in specs:
        totals.setdefault(spec.part, Decimal(0))
        option = choices.get(spec.id)
        if option is not None and option in spec.options:
            totals[spec.part] += spec.options[option][0]
    totals["total"] = sum((v for k, v in totals.items()), Decimal(0))
    return totals


def quorum_needed(eligible: int, numerator: int, denominator: int) -> int:
    """Smallest number of submitted sheets that is at least ``numerator/denominator`` of
    ``eligible`` members (3/4 of 4 → 3; of 3 → 3; of 2 → 2). 0 eligible → 1 (never met)."""
    if eligible <= 0:
        return 1
    return -(-eligible * numerator // denominator)


@dataclass(frozen=True)
class Shortfall:
    """A criterion whose members' mean points stay below a star level's minimum."""

    stars: int
    code: str
    title: str
    mean_points: Decimal
    required: Decimal


@dataclass
class Result:
    """The council's result for one product, as it stands.

    ``score`` is the mean of the submitted totals to two decimals (None before
    any sheet is in); ``band_stars`` the stars of the band the score reaches;
    ``stars`` the highest level ≤ the band whose minimum marks are all met;
    ``held_back`` the shortfalls that kept it from the levels above ``stars``.
    """

    eligible: int
    submitted: int
    needed: int
    chair_ok: bool
    totals: list[Decimal]
    score: Decimal | None = None
    band_stars: int | None = None
    stars: int | None = None
    held_back: list[Shortfall] = field(default_factory=list)
    spread: Decimal | None = None
    max_spread: Decimal = Decimal(10)

    @property
    def quorum_met(self) -> bool:
        return self.submitted >= self.needed and self.chair_ok

    @property
    def flagged(self) -> bool:
        """Members' totals differ by more than the allowed spread: discuss and re-score."""
        return self.spread is not None and self.spread > self.max_spread

    @property
    def final(self) -> bool:
        """Whether the result may be finalised: quorum met and not flagged."""
        return self.quorum_met and not self.flagged and self.score is not None


def compute(
    specs: list[CriterionSpec],
    submitted: list[Mapping[int, int]],
    *,
    eligible: int,
    chair_submitted_or_absent: bool,
    quorum: tuple[int, int],
    max_spread: Decimal,
    stars_for: Callable[[Decimal], int],
) -> Result:
    """The result from the submitted sheets' choices (criterion id → option id).

    ``eligible`` is the number of scoring members not recused for this product;
    ``chair_submitted_or_absent`` is False when the chair must be in the quorum
    and has not submitted. ``stars_for`` maps a score to its band's stars.
    """
    totals = [sheet_totals(specs, choices)["total"] for choices in submitted]
    result = Result(
        eligible=eligible, submitted=len(submitted), needed=quorum_needed(eligible, *quorum),
        chair_ok=chair_submitted_or_absent, totals=totals, max_spread=max_spread,
    )
    if not submitted:
        return result
    n = len(submitted)
    result.score = (sum(totals, Decimal(0)) / n).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    result.spread = max(totals) - min(totals)
    result.band_stars = stars_for(result.score)
    sums = {
        spec.id: sum((spec.options[c[spec.id]][0] for c in submitted if c.get(spec.id) in spec.options), Decimal(0))
        for spec in specs
    }
    stars = result.band_stars
    while stars > 0:
        missed = []
        for spec in specs:
            required = spec.required_for(stars)
            if required is not None and sums[spec.id] < required * n:  # mean < required, without rounding
                missed.append(Shortfall(stars, spec.code, spec.title,
                                        (sums[spec.id] / n).quantize(TWO_PLACES, rounding=ROUND_HALF_UP), required))
        if not missed:
            break
        result.held_back.extend(missed)
        stars -= 1
    result.stars = stars
    return result
