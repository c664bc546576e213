"""The self-assessment (mẫu 02) on the official score sheet, and its comparison with the council.

Sheets are keyed by sheet version + product-set number + criterion code
(``ocop_app/data/sheets/<version>.json``, QĐ 26/2026 Phụ lục II); the
version comes from the product's rule set (``RuleSet.sheet_version``).
Points are score-sheet points (A 40 / B 25 / C 35 under QĐ 26/2026).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ..scoring.sheetdata import SHEETS_DIR, Criterion, Group, Part, SheetSet, load_version


@cache
def _version(code: str):
    return load_version(SHEETS_DIR / f"{code}.json")


def sheet(version: str, set_no: int) -> SheetSet | None:
    """The score sheet of product set ``set_no`` in sheet ``version``, or ``None`` if not shipped."""
    try:
        return _version(version).get_set(set_no)
    except (FileNotFoundError, KeyError):
        return None


def sheet_for(product) -> SheetSet | None:
    """The sheet the council will use for ``product`` (its rule set's sheet version, its set)."""
    if not product.product_set_no:
        return None
    return sheet(product.rule_set.sheet_version, product.product_set_no)


def points_of(sheet_set: SheetSet, choices: dict[str, int]) -> dict[str, float]:
    """``{criterion code: option index}`` → ``{criterion code: points}``; unknown codes
    and out-of-range indices are skipped."""
    result = {}
    for _p, _g, c in sheet_set.iter_criteria():
        index = choices.get(c.code)
        if index is not None and 0 <= index < len(c.options):
            result[c.code] = c.options[index].points
    return result


def part_totals(sheet_set: SheetSet, points: dict[str, float]) -> dict[str, float]:
    """Sum of ``points`` per part and in total: ``{"A": .., "B": .., "C": .., "total": ..}``."""
    totals = {p.code: 0 for p in sheet_set.parts}
    for part, _g, c in sheet_set.iter_criteria():
        totals[part.code] += points.get(c.code, 0)
    totals["total"] = sum(totals[p.code] for p in sheet_set.parts)
    return {k: round(v, 2) for k, v in totals.items()}


@dataclass(frozen=True)
class ComparisonRow:
    """One criterion: the producer's own points, the council's mean points, and the gap.

    ``gap`` = council − self (negative: the producer rated itself higher than the
    council — where the next upgrade plan should look). ``None`` when a side is missing.
    """

    part: Part
    group: Group
    criterion: Criterion
    self_points: float | None
    council_points: float | None

    @property
    def gap(self) -> float | None:
        if self.self_points is None or self.council_points is None:
            return None
        return round(self.council_points - self.self_points, 2)


def compare(sheet_set: SheetSet, self_points: dict[str, float],
            council_mean: dict[str, float]) -> tuple[list[ComparisonRow], dict[str, dict[str, float]]]:
    """Side by side per criterion of ``sheet_set``.

    :param self_points: ``{criterion code: points}`` of the self-assessment.
    :param council_mean: ``{criterion code: mean points of the council members}``
        (the evaluation area computes it; QĐ 26/2026 Điều 3.3 averages the members).
    :returns: the rows in sheet order, and ``{"self": part totals, "council": part totals}``.
    """
    rows = [
        ComparisonRow(p, g, c, self_points.get(c.code), council_mean.get(c.code))
        for p, g, c in sheet_set.iter_criteria()
    ]
    totals = {"self": part_totals(sheet_set, self_points), "council": part_totals(sheet_set, council_mean)}
    return rows, totals
