"""OCOP product classification: 6 branches and 26 product sets.

Source: QĐ 26/2026/QĐ-TTg, Phụ lục I (branches I–VI; the 26 product sets,
each with its own score sheet in Phụ lục II). Data file:
``ocop_app/data/product_sets.csv`` (Vietnamese names as in the decision,
English names ours).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

DATA_FILE = Path(__file__).parent / "data" / "product_sets.csv"

#: Branch code → (Roman numeral, label). Order is the decision's.
BRANCHES = {
    "food": ("I", _l("Food")),
    "beverage": ("II", _l("Beverages")),
    "herbal": ("III", _l("Medicinal herbs and herbal products")),
    "handicraft": ("IV", _l("Handicrafts")),
    "ornamental": ("V", _l("Ornamental flowers, plants and animals")),
    "tourism": ("VI", _l("Community and eco-tourism services")),
}


@dataclass(frozen=True)
class ProductSet:
    """One of the 26 product sets (bộ sản phẩm)."""

    no: int
    branch: str
    name_vi: str
    name_en: str

    @property
    def name(self) -> str:
        """Name in the current UI language (Vietnamese outside a request)."""
        try:
            lang = str(get_locale() or "vi")
        except RuntimeError:  # pragma: no cover - outside an app context
            lang = "vi"
        return self.name_en if lang.startswith("en") else self.name_vi


@cache
def product_sets() -> dict[int, ProductSet]:
    """All product sets by number (1–26)."""
    with DATA_FILE.open(encoding="utf-8") as fh:
        return {
            int(row["no"]): ProductSet(int(row["no"]), row["branch"], row["name_vi"], row["name_en"])
            for row in csv.DictReader(fh)
        }


def branch_label(code: str | None):
    """Translated label of a branch code, or an empty string for ``None``."""
    return BRANCHES[code][1] if code else ""


def branch_of_set(no: int) -> str:
    """Branch code of product set ``no``.

    :raises KeyError: if ``no`` is not 1–26.
    """
    return product_sets()[no].branch
