"""Rule sets as data: star bands and certificate validity."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ocop_app import rules


@pytest.mark.parametrize("score,stars", [
    (100, 5), (90, 5), ("89.99", 4), ("72.5", 4), (70, 4), ("69.9", 3), (50, 3), ("49.9", 2), (30, 2),
    ("29.99", 1), (0, 1),
])
def test_star_bands_of_every_rule_set(score, stars):
    for rule_set in rules.all_rule_sets():
        assert rule_set.stars_for(Decimal(str(score))) == stars


@pytest.mark.parametrize("score", [-1, "100.1", 1000])
def test_scores_outside_0_100_are_refused(score):
    with pytest.raises(ValueError):
        rules.get("qd26-2026").stars_for(score)


def test_levels_differ_between_decisions():
    assert rules.get("qd148-2023").levels == ("commune", "district", "city")
    assert rules.get("qd26-2026").levels == ("commune", "city")
    assert rules.get("qd1048-2019").parts_max == {"A": 35, "B": 25, "C": 40}


@pytest.mark.parametrize("signed,until", [
    ("2023-12-15", "2026-12-15"), ("2024-02-29", "2027-02-28"), ("2023-07-01", "2026-07-01"),
    ("2021-08-31", "2024-08-31"),
])
def test_certificate_valid_for_36_months(signed, until):
    rule_set = rules.get("qd26-2026")
    assert rule_set.certificate_valid_until(dt.date.fromisoformat(signed)) == dt.date.fromisoformat(until)
