"""The round's results as an XLSX workbook (openpyxl): every member's choice per criterion."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..models import EvaluationRound, SheetStatus
from . import operations as ops


def _num(value: Decimal | None):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def round_workbook(round_: EvaluationRound) -> Workbook:
    """Two sheets: "Chấm điểm" with one row per member × criterion of every submitted sheet
    (the option chosen, its points, the criterion's maximum and minimum-star mark), and
    "Kết quả" with one row per product (members' totals, mean, stars, what held it back).

    A written round (re-evaluation, QĐ 26/2026 Điều 4) adds a third, "Ý kiến bằng văn bản": its
    kind in the first row, then one row per member × product with the written opinion."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("Scores")[:31]
    header = [_("Product"), _("Producer"), _("Product set"), _("Member"), _("Role in the round"), _("Part"),
              _("Group"), _("Criterion"), _("Criterion title"), _("Option chosen"), _("Points"), _("Maximum"),
              _("Minimum for")]
    ws.append(header)
    members = {m.user_id: m for m in round_.members}
    for entry in round_.products:
        criteria = ops.criteria_of(entry.sheet_set)
        options = {o.id: o for c in criteria for o in c.options}
        for sheet in entry.sheets:
            if sheet.status != SheetStatus.SUBMITTED.value:
                continue
            member = members.get(sheet.member_id)
            chosen = {cid: options.get(oid) for cid, oid in ops.choices_of(sheet).items()}
            for c in criteria:
                option = chosen.get(c.id)
                marks = sorted({o.min_stars for o in c.options if o.min_stars})
                ws.append([
                    entry.product.name, entry.product.producer.name, f"{entry.sheet_set.no}. {entry.sheet_set.name}",
                    sheet.member.full_name, str(member.role_label) if member else "", c.group.part.code,
                    f"{c.group.code}. {c.group.title}", c.printed_code or c.code, c.title,
                    option.label if option else "", _num(option.points) if option else None, _num(c.max_points),
                    " ".join("★" * m for m in marks),
                ])
    results = wb.create_sheet(_("Results")[:31])
    scorers = round_.scorers
    results.append([_("Product"), _("Producer")] + [m.user.full_name for m in scorers]
                   + [_("Score"), _("Stars"), _("Held back by"), _("Proposed to the next level"),
                      _("Disqualified")])
    for entry in round_.products:
        by_member = {s.member_id: s for s in entry.sheets}
        totals = []
        for m in scorers:
            s = by_member.get(m.user_id)
            if s is None:
                totals.append(None)
            elif s.status == SheetStatus.RECUSED.value:
                totals.append(_("recused"))
            else:
                totals.append(_num(s.total))
        results.append([entry.product.name, entry.product.producer.name] + totals + [
            _num(entry.score), entry.stars, entry.held_back, _("yes") if entry.proposed else "",
            str(entry.disqualification.label) if entry.disqualification else "",
        ])
    sheets = [ws, results]
    if round_.written:
        opinions = wb.create_sheet(_("Written opinions")[:31])
        opinions.append([f"{round_.name} — {round_.kind_label}"])
        opinions.append([_("Product"), _("Producer"), _("Member"), _("Role in the round"), _("Written opinion")])
        for entry in round_.products:
            by_member = {s.member_id: s for s in entry.sheets}
            for m in scorers:
                s = by_member.get(m.user_id)
                text = s.opinion if s is not None and s.status == SheetStatus.SUBMITTED.value else ""
                opinions.append([entry.product.name, entry.product.producer.name, m.user.full_name,
                                 str(m.role_label), text])
        opinions.column_dimensions["E"].width = 80
        for cell in opinions[2]:
            cell.font = Font(bold=True)
    for sheet in sheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for i, _col in enumerate(sheet.columns, 1):
            sheet.column_dimensions[get_column_letter(i)].width = 18
    return wb
