"""The official score sheets in the database: every set adds up, loading is idempotent and a
version used by a round never changes; `flask sheets check` says so line by line."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from conftest import closed_round_with
from ocop_app.evaluation import sheets
from ocop_app.extensions import db
from ocop_app.models import Criterion, CriterionOption, SheetSet, SheetVersion
from ocop_app.scoring import sheetdata
from ocop_app.workflow import Level, Role, Stage, Status


def _version(code):
    return db.session.scalars(select(SheetVersion).where(SheetVersion.code == code)).one()


@pytest.mark.parametrize("no", range(1, 27))
def test_every_qd26_set_is_loaded_and_adds_up_to_100(app, no):
    version = _version("qd26-2026")
    sheet_set = next(s for s in version.sets if s.no == no)
    parts = {p.code: sum(c.max_points for g in p.groups for c in g.criteria) for p in sheet_set.parts}
    assert parts == {"A": 40, "B": 25, "C": 35}
    for criterion in sheet_set.criteria():
        assert len(criterion.options) >= 2
        assert max(o.points for o in criterion.options) == criterion.max_points
    # and the rows pass the same checks as the data file
    assert sheetdata.check_set(sheets.to_sheetdata(version).get_set(no), version.parts_max) == []


def test_the_qd1048_sheet_is_an_older_version_with_its_own_parts(app):
    version = _version("qd1048-2019")
    (sheet_set,) = version.sets
    parts = {p.code: sum(c.max_points for g in p.groups for c in g.criteria) for p in sheet_set.parts}
    assert (sheet_set.no, parts) == (7, {"A": 35, "B": 25, "C": 40})


def test_sheets_check_prints_one_line_per_set_and_version_and_exits_0(app):
    result = app.test_cli_runner().invoke(args=["sheets", "check"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if " set " in line]
    assert len(lines) == 27
    assert sum(line.startswith("qd26-2026 set") for line in lines) == 26
    assert all("total=100 OK" in line for line in lines)
    assert "qd1048-2019 set  7 A=35 B=25 C=40 total=100 OK" in result.output


def test_sheets_check_fails_when_a_loaded_sum_is_off(app):
    option = db.session.scalars(
        select(CriterionOption).join(Criterion).join(Criterion.group).order_by(CriterionOption.points.desc())
    ).first()
    option.points += 1
    db.session.commit()
    try:
        result = app.test_cli_runner().invoke(args=["sheets", "check"])
        assert result.exit_code != 0
        assert "FAIL" in result.output and "do not add up" in result.output
    finally:  # the shipped sheets are shared by the tests of a PostgreSQL worker
        db.session.rollback()
        option.points -= 1
        db.session.commit()


def test_loading_again_changes_nothing(app):
    counts = db.session.scalar(select(func.count()).select_from(CriterionOption))
    result = app.test_cli_runner().invoke(args=["sheets", "load"])
    assert result.exit_code == 0
    assert "qd26-2026.json: unchanged" in result.output
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CriterionOption)) == counts


def test_a_version_used_by_a_round_never_changes(app, tmp_path, make_user, make_product):
    data = json.loads(sheetdata.available_versions()[0].read_text(encoding="utf-8"))
    data["version"] = "test-locked"
    path = tmp_path / "test-locked.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert sheets.load_file(path) == "loaded"
    db.session.commit()
    # Unused: a corrected file replaces it.
    data["sets"][0]["name"] += " (sửa)"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert sheets.load_file(path) == "replaced"
    db.session.commit()
    # Used by a round: a changed file is refused and the loaded rows stay as they were.
    product = make_product(Stage.UPGRADED, Status.APPROVED, Level.DISTRICT)
    round_ = closed_round_with(product, make_user(Role.DISTRICT_COUNCIL, "thach_that"), "scored", Level.DISTRICT)
    round_.sheet_version = _version("test-locked")
    db.session.commit()
    data["sets"][0]["name"] += " (sửa lần 2)"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(sheets.SheetVersionLocked):
        sheets.load_file(path)
    db.session.rollback()
    names = db.session.scalars(select(SheetSet.name).join(SheetVersion).where(SheetVersion.code == "test-locked"))
    assert all("lần 2" not in n for n in names)


def test_a_file_whose_sums_are_off_is_not_loaded(app, tmp_path):
    data = json.loads(sheetdata.available_versions()[0].read_text(encoding="utf-8"))
    data["version"] = "test-broken"
    data["sets"][0]["parts"][0]["groups"][0]["criteria"][0]["options"][0]["points"] += 7
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(sheets.SheetDataInvalid):
        sheets.load_file(path)
    db.session.rollback()
    assert db.session.scalars(select(SheetVersion).where(SheetVersion.code == "test-broken")).first() is None
