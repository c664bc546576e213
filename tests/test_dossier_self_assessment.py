"""Self-assessment (mẫu 02) on the real QĐ 26/2026 sheets, and its comparison with the council."""

from __future__ import annotations

import re

from flask import render_template
from sqlalchemy import select

from ocop_app.dossier import selfscore
from ocop_app.extensions import db
from ocop_app.models import SelfAssessment
from ocop_app.workflow import Level, Role, Stage, Status


def _best_choices(sheet_set):
    """The highest option of every criterion: {code: index}."""
    return {c.code: max(range(len(c.options)), key=lambda i: c.options[i].points)
            for _p, _g, c in sheet_set.iter_criteria()}


def test_part_totals_on_the_real_sheet_reach_the_decision_maxima():
    sheet_set = selfscore.sheet("qd26-2026", 7)  # Chế biến từ rau, củ, quả, hạt
    points = selfscore.points_of(sheet_set, _best_choices(sheet_set))
    assert selfscore.part_totals(sheet_set, points) == {"A": 40, "B": 25, "C": 35, "total": 100}
    assert selfscore.part_totals(sheet_set, {}) == {"A": 0, "B": 0, "C": 0, "total": 0}
    assert selfscore.sheet("qd26-2026", 99) is None and selfscore.sheet("no-such-version", 1) is None


def test_comparison_per_criterion_with_council_means(app):
    sheet_set = selfscore.sheet("qd26-2026", 6)  # Chế biến từ gạo, ngũ cốc
    self_points = selfscore.points_of(sheet_set, _best_choices(sheet_set))
    codes = [c.code for _p, _g, c in sheet_set.iter_criteria()]
    council = {code: self_points[code] for code in codes}
    council[codes[0]] = self_points[codes[0]] - 1.5  # the council judged the first criterion lower
    rows, totals = selfscore.compare(sheet_set, self_points, council)
    assert [r.criterion.code for r in rows] == codes
    assert rows[0].gap == -1.5 and all(r.gap == 0 for r in rows[1:])
    assert totals["self"]["total"] == 100 and totals["council"]["total"] == 98.5
    first_part = rows[0].part.code
    assert totals["council"][first_part] == totals["self"][first_part] - 1.5

    with app.test_request_context("/"):
        html = render_template("dossier/_comparison.html", comparison=(rows, totals))
    assert html.count("<tr class=") == len(codes)
    first = re.search(rf'<tr class="gap-neg" data-code="{re.escape(codes[0])}">(.*?)</tr>', html, re.S).group(1)
    assert "-1,5" in first
    assert "98,5" in html and "Tự đánh giá và kết quả của hội đồng" in html


def test_staff_enter_the_self_assessment(make_user, make_product, new_client):
    product = make_product(Stage.TRAINED, Status.APPROVED, Level.DISTRICT, product_set_no=7,
                           rule_set_code="qd26-2026")
    sheet_set = selfscore.sheet("qd26-2026", 7)
    criteria = [c for _p, _g, c in sheet_set.iter_criteria()]
    xa = new_client()
    xa.login(make_user(Role.COMMUNE_STAFF))
    page = xa.get(f"/staff/dossier/products/{product.id}/self-assessment").get_data(as_text=True)
    assert sheet_set.name in page and f'name="c-{criteria[0].code}"' in page

    best = _best_choices(sheet_set)
    form = {f"c-{code}": str(i) for code, i in best.items() if code.startswith(("1", "2"))}
    r = xa.post(f"/staff/dossier/products/{product.id}/self-assessment", form)
    assert r.status_code == 303
    page = xa.get(f"/staff/dossier/products/{product.id}/self-assessment").get_data(as_text=True)
    expected = selfscore.part_totals(sheet_set, selfscore.points_of(sheet_set, {
        k: v for k, v in best.items() if k.startswith(("1", "2"))}))
    assert f"Tổng: <strong>{expected['total']:g}".replace(".", ",") in page
    assert f"Đã chọn {sum(1 for k in best if k.startswith(('1', '2')))}/{len(criteria)} tiêu chí" in page

    # An option that does not exist is refused; nothing changes.
    r = xa.post(f"/staff/dossier/products/{product.id}/self-assessment", {f"c-{criteria[0].code}": "99"})
    assert r.status_code == 422 and f"Tiêu chí {criteria[0].code}: hãy chọn một trong các mức." in r.get_data(as_text=True)
    db.session.rollback()
    saved = db.session.scalars(select(SelfAssessment)).one()
    assert (saved.sheet_version, saved.set_no, len(saved.choices)) == ("qd26-2026", 7, len(form))
    db.session.rollback()

    # The council members only read it.
    hd = new_client()
    hd.login(make_user(Role.DISTRICT_COUNCIL))
    assert hd.get(f"/staff/dossier/products/{product.id}/self-assessment").status_code == 200
    assert hd.post(f"/staff/dossier/products/{product.id}/self-assessment", form).status_code == 403


def test_self_assessment_beside_the_councils_mean_of_the_closed_round(make_user, make_product, new_client):
    """The commune's self-assessment and, once the district round is closed, the council's mean per
    criterion (three members' submitted sheets), row by row."""
    from evaluation_support import choose_for_total, close_round, criteria_for, setup_round, submit

    product = make_product(Stage.UPGRADED, Status.APPROVED, Level.DISTRICT, product_set_no=7)
    sheet_set = selfscore.sheet("qd26-2026", 7)
    best = _best_choices(sheet_set)
    xa = new_client()
    xa.login(make_user(Role.COMMUNE_STAFF))
    url = f"/staff/dossier/products/{product.id}/self-assessment"
    assert xa.post(url, {f"c-{code}": str(i) for code, i in best.items()}).status_code == 303

    round_id, (entry_id,), _org, people = setup_round(make_user, new_client, [product])
    criteria = criteria_for(entry_id)
    picks = []
    for (_user, member), total in zip(people, (72, 75, 68)):
        choices = choose_for_total(criteria, total)
        picks.append(choices)
        assert submit(member, round_id, entry_id, choices).status_code == 303
    # Scoring still open: the council's points are not shown beside the self-assessment.
    assert 'id="comparison"' not in xa.get(url).get_data(as_text=True)

    assert close_round(people[0][1], round_id).status_code == 303
    page = xa.get(url).get_data(as_text=True)
    assert 'id="comparison"' in page
    points = {o.id: o.points for c in criteria for o in c.options}
    self_points = selfscore.points_of(sheet_set, best)
    for c in criteria:
        mean = float(round(sum(points[p[c.id]] for p in picks) / 3, 2))
        row = re.search(rf'<tr class="[^"]*" data-code="{re.escape(c.code)}">(.*?)</tr>', page, re.S).group(1)
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        assert cells[3] == f"{mean:g}".replace(".", ","), (c.code, cells)
        assert cells[2] == f"{self_points[c.code]:g}".replace(".", ",")
    total = float(sum(round(sum(points[p[c.id]] for p in picks) / 3, 2) for c in criteria))
    assert abs(total - (72 + 75 + 68) / 3) < 0.05  # the per-criterion means add up to the council's score
