"""Column sets of the product exports (staff list and public register)."""

from __future__ import annotations

from flask_babel import gettext as _

from .. import catalog
from ..workflow import Level, Stage, Status
from .xlsx import Column


def _set_name(p) -> str:
    return p.product_set.name_vi if p.product_set else ""


def public_columns() -> list[Column]:
    """Columns of the public register (recognised products only; nothing internal)."""
    return [
        Column(_("No."), lambda p: None, kind="int", width=6),
        Column(_("Product"), lambda p: p.name, width=40),
        Column(_("Producer"), lambda p: p.producer.name, width=34),
        Column(_("Producer type"), lambda p: str(p.producer.type_label), width=18),
        Column(_("Commune"), lambda p: p.commune.name if p.commune else "", width=18),
        Column(_("District"), lambda p: p.district.name if p.district else "", width=16),
        Column(_("City / province"), lambda p: p.city.name, width=14),
        Column(_("Product group"), lambda p: str(catalog.branch_label(p.branch)), width=24),
        Column(_("Product set"), _set_name, width=30),
        Column(_("Stars"), lambda p: p.stars, kind="int", width=8),
        Column(_("Score"), lambda p: p.score, kind="decimal", width=8),
        Column(_("Ranked on"), lambda p: p.ranked_on, kind="date", width=12),
        Column(_("Year of recognition"), lambda p: p.ranked_year, kind="int", width=10),
    ]


def staff_columns() -> list[Column]:
    """Columns of the staff product list: the public ones plus the workflow state and ids."""
    return [
        Column(_("ID"), lambda p: p.id, kind="int", width=8),
        Column(_("Product"), lambda p: p.name, width=40),
        Column(_("Producer"), lambda p: p.producer.name, width=34),
        Column(_("Producer type"), lambda p: str(p.producer.type_label), width=18),
        Column(_("Business registration number"), lambda p: p.producer.registration_no or "", width=16),
        Column(_("Contact"), lambda p: p.producer.contact or "", width=22),
        Column(_("Commune"), lambda p: p.commune.name if p.commune else "", width=18),
        Column(_("District"), lambda p: p.district.name if p.district else "", width=16),
        Column(_("Product group"), lambda p: str(catalog.branch_label(p.branch)), width=24),
        Column(_("Product set"), _set_name, width=30),
        Column(_("Stage"), lambda p: str(Stage(p.stage).label), width=14),
        Column(_("Status"), lambda p: str(Status(p.status).label), width=18),
        Column(_("Level"), lambda p: str(Level(p.level).label), width=10),
        Column(_("Score"), lambda p: p.score, kind="decimal", width=8),
        Column(_("Stars"), lambda p: p.stars, kind="int", width=8),
        Column(_("Ranked on"), lambda p: p.ranked_on, kind="date", width=12),
        Column(_("Last change"), lambda p: p.updated_at, kind="date", width=12),
    ]


def numbered(columns: list[Column], rows) -> tuple[list[Column], list]:
    """Give the first column (``No.``) the row's sequence number: ``(columns, rows)`` to export."""
    items = list(rows)
    index = {id(item): n for n, item in enumerate(items, start=1)}
    first = columns[0]
    return [Column(first.header, lambda p: index[id(p)], first.kind, first.width)] + columns[1:], items
