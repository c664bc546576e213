"""The 2025 administrative change: Thạch Thất's communes merged (NQ 1656/NQ-UBTVQH15) and the district level ended."""

from __future__ import annotations

import csv
import datetime as dt
import re
from types import SimpleNamespace

import pytest

from conftest import in_own_context, snapshot
from ocop_app.extensions import db
from ocop_app.models import AccountReview, AdminUnit, Commune, Product, Relocation, StageEvent, User
from ocop_app.units import operations
from ocop_app.workflow import Level, Role, Stage, Status

from sweep_units import split_relocation


@pytest.fixture
def thach_hoa(app, units):
    unit = Commune(name="Thạch Hòa", unit_type="Xã", slug="thachhoa", parent=units["thach_that"])
    db.session.add(unit)
    db.session.commit()
    units["thach_hoa"] = unit
    return unit


def _merge(app):
    result = in_own_context(app.test_cli_runner().invoke, args=["units", "apply-merger"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    return result.output


def _unit(name) -> AdminUnit:
    return db.session.query(Commune).filter_by(name=name, valid_to=None).one()


def test_thach_xa_product_in_flight_moves_to_tay_phuong_with_its_history(
        app, units, thach_hoa, make_user, make_product, new_client):
    staff = make_user(Role.COMMUNE_STAFF)
    approver_of_thach_xa = make_user(Role.COMMUNE_APPROVER)
    product = make_product(Stage.REGISTERED, Status.AWAITING, Level.COMMUNE, name="Bánh tẻ Thạch Xá",
                           last_actor=staff)
    at_district = make_product(Stage.TRAINED, Status.AWAITING, Level.DISTRICT, name="Mật ong Thạch Xá")
    ranked = make_product(Stage.RANKED, Status.APPROVED, Level.CITY, stars=3, score=60, name="Chè lam Thạch Xá")
    events_before = {p.id: [e.id for e in db.session.query(StageEvent).filter_by(product_id=p.id)]
                     for p in (product, at_district, ranked)}
    db.session.rollback()

    output = _merge(app)
    assert "products re-routed" in output and "products moved" in output

    tay_phuong = _unit("Tây Phương")
    assert tay_phuong.parent.name == "Hà Nội" and tay_phuong.code == "10003"
    assert tay_phuong.valid_from == dt.date(2025, 7, 1)
    thach_xa = db.session.get(AdminUnit, units["thach_xa"].id)
    assert thach_xa.valid_to == dt.date(2025, 6, 30) and thach_xa.successor_id == tay_phuong.id
    assert db.session.get(AdminUnit, units["thach_that"].id).valid_to == dt.date(2025, 6, 30)

    moved = db.session.get(Product, product.id)
    assert moved.commune_id == tay_phuong.id and moved.district_id is None
    assert moved.rule_set_code == "qd1489-2025"  # re-routed: commune → city
    assert moved.producer.unit_id == tay_phuong.id
    events = db.session.query(StageEvent).filter_by(product_id=product.id).order_by(StageEvent.id).all()
    assert [e.id for e in events][:len(events_before[product.id])] == events_before[product.id]  # history intact
    assert [e.action for e in events][-2:] == ["reroute", "relocate"]
    assert "Quyết định 148/QĐ-TTg → Quyết định 1489/QĐ-TTg" in events[-2].detail
    assert "Xã → Huyện → Thành phố ⇒ Xã → Thành phố (01/07/2025)" in events[-2].detail
    # The move cites the resolution as people do, not a URL.
    assert "Thạch Xá → Xã Tây Phương. Nghị quyết 1656/NQ-UBTVQH15 Điều 1 khoản" in events[-1].detail
    assert "http" not in events[-1].detail
    assert db.session.get(User, approver_of_thach_xa.id).unit_id == tay_phuong.id  # users' scope moved

    # The district-level product now waits at the city, same stage; the ranked one keeps QĐ 148.
    assert (db.session.get(Product, at_district.id).level, db.session.get(Product, at_district.id).stage) == \
        ("city", "trained")
    assert db.session.get(Product, ranked.id).rule_set_code == "qd148-2023"
    db.session.rollback()

    # It is in the queue of xã Tây Phương's approver, with the two-level step.
    c = new_client()
    c.login(approver_of_thach_xa)
    assert "Bánh tẻ Thạch Xá" in c.get("/staff/queue").get_data(as_text=True)
    page = c.get(f"/staff/products/{product.id}").get_data(as_text=True)
    assert "Phê duyệt và gửi lên thành phố" in page
    assert "chuyển sang quy trình cấp mới" in page and "chuyển về xã mới" in page
    assert "Xã Thạch Xá → Xã Tây Phương" in page
    city = new_client()
    city.login(make_user(Role.CITY_APPROVER))
    assert "Mật ong Thạch Xá" in city.get("/staff/queue").get_data(as_text=True)

    # Applying the merger again changes nothing.
    counts = (db.session.query(StageEvent).count(), db.session.query(Commune).count())
    db.session.rollback()
    assert _merge(app).startswith("Merger: nothing to do")
    assert (db.session.query(StageEvent).count(), db.session.query(Commune).count()) == counts


def test_split_commune_waits_for_a_person_to_pick_the_new_commune(
        app, units, thach_hoa, make_user, make_product, new_client):
    product = make_product(Stage.REGISTERED, Status.AWAITING, Level.COMMUNE, commune_key="thach_xa",
                           name="Nhãn Thạch Hòa")
    product.commune_id = thach_hoa.id
    db.session.commit()
    hoa_user = make_user(Role.COMMUNE_STAFF, "thach_xa")
    hoa_user.unit_id = thach_hoa.id
    db.session.commit()
    _merge(app)

    still = db.session.get(Product, product.id)
    assert still.commune_id == thach_hoa.id  # nothing moved silently
    reloc = db.session.query(Relocation).filter_by(subject_type="product", subject_id=product.id).one()
    assert reloc.proposed_unit.name == "Hòa Lạc" and reloc.decided_at is None
    db.session.rollback()

    city_staff = new_client()
    city_staff.login(make_user(Role.CITY_STAFF))
    page = city_staff.get("/staff/units/relocations").get_data(as_text=True)
    assert "Nhãn Thạch Hòa" in page
    for name in ("Hòa Lạc", "Yên Bài", "Yên Xuân"):
        assert f"Xã {name}" in page
    assert "Xã Tây Phương" not in page.split("Nhãn Thạch Hòa")[1].split("</tr>")[0]
    commune = new_client()
    commune.login(make_user(Role.COMMUNE_STAFF))
    assert commune.get("/staff/units/relocations").status_code == 403

    # A commune the resolution does not name is refused; nothing moves.
    tay_phuong = _unit("Tây Phương")
    r = city_staff.post(f"/staff/units/relocations/{reloc.id}", {"unit": str(tay_phuong.id)})
    assert r.status_code == 422 and "nghị quyết" in r.get_data(as_text=True)
    assert db.session.get(Product, product.id).commune_id == thach_hoa.id
    db.session.rollback()

    yen_xuan = _unit("Yên Xuân")
    db.session.rollback()
    r = city_staff.post(f"/staff/units/relocations/{reloc.id}", {"unit": str(yen_xuan.id)})
    assert r.status_code == 303
    db.session.rollback()
    moved = db.session.get(Product, product.id)
    assert moved.commune_id == yen_xuan.id
    last = db.session.query(StageEvent).filter_by(product_id=product.id).order_by(StageEvent.id.desc()).first()
    assert last.action == "relocate" and "Xã Thạch Hòa → Xã Yên Xuân" in last.detail
    db.session.rollback()
    assert city_staff.post(f"/staff/units/relocations/{reloc.id}", {"unit": str(yen_xuan.id)}).status_code == 409
    page = city_staff.get("/staff/units/relocations").get_data(as_text=True)
    assert "Nhãn Thạch Hòa" not in page and hoa_user.username not in page
    # The split commune's official waits on the administrator's account review instead.
    review = db.session.query(AccountReview).filter_by(user_id=hoa_user.id).one()
    assert review.old_unit_id == thach_hoa.id and review.decided_at is None
    assert (review.proposed_action, review.proposed_unit.name, review.proposed_role) == \
        ("move", "Hòa Lạc", "commune_staff")


def test_after_the_merger_new_dossiers_go_commune_to_city(app, units, thach_hoa, make_user, new_client):
    """Tester report: after the merger the form still preselected QĐ 148 (three levels) and a new
    dossier signed off by the commune waited for a district that no longer exists."""
    staff = make_user(Role.COMMUNE_STAFF)
    before = new_client()
    before.login(staff)
    assert "148/QĐ-TTg" in before.get("/staff/products/new").get_data(as_text=True)  # district still there
    db.session.rollback()
    _merge(app)

    c = new_client()
    c.login(staff)
    form = c.get("/staff/products/new").get_data(as_text=True)
    assert "148/QĐ-TTg" not in form and "Xã → Thành phố" in form
    response = c.post("/staff/products/new", {"name": "Trà hoa Tây Phương", "producer_name": "HTX Tây Phương",
                                              "producer_type": "cooperative", "product_set_no": "1",
                                              "rule_set_code": "qd148-2023"})
    assert response.status_code == 422  # a chain through a district that ended cannot be chosen
    response = c.post("/staff/products/new", {"name": "Trà hoa Tây Phương", "producer_name": "HTX Tây Phương",
                                              "producer_type": "cooperative", "product_set_no": "1"})
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    db.session.rollback()
    product = db.session.query(Product).filter_by(name="Trà hoa Tây Phương").one()
    assert not product.rule_set.has_district and product.commune_id == _unit("Tây Phương").id

    # A new city round, too, starts under the rule set without the district level once the
    # city has no district left (all of Hà Nội's ended on 30/6/2025).
    db.session.get(AdminUnit, units["quoc_oai"].id).valid_to = dt.date(2025, 6, 30)
    db.session.commit()
    city = new_client()
    city.login(make_user(Role.CITY_STAFF, "hanoi"))
    page = city.get("/staff/evaluation/rounds/new").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="rule_set_code".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option selected value="([^"]+)"|<option value="([^"]+)" selected', select) == \
        [("qd26-2026", "")]


@pytest.mark.parametrize("htmx", [False, True])
def test_confirming_a_relocation_already_confirmed_says_by_whom_and_where_and_changes_nothing(
        app, units, make_user, make_product, new_client, htmx):
    """Tester finding 7: a second official confirming the same record (or a double click) got a bare 422."""
    app.config["OCOP_TODAY"] = dt.date(2025, 7, 15)

    def ctx(name):
        return SimpleNamespace(units=units, make_product=lambda **kw: make_product(**kw, name=name))

    relocation, new = split_relocation(ctx("Bánh tẻ Thạch Xá"), "thach_xa")
    split_relocation(ctx("Chè lam Thạch Xá"), "thach_xa")  # still waiting: the list the refusal shows
    first = make_user(Role.CITY_STAFF, "hanoi")
    first.full_name = "Nguyễn Thị Lan"
    db.session.commit()
    lan, other = new_client(), new_client()
    lan.login(first)
    other.login(make_user(Role.CITY_STAFF, "hanoi"))
    url = f"/staff/units/relocations/{relocation.id}"
    assert lan.post(url, {"unit": str(new[1].id)}).status_code == 303
    moved_to = db.session.get(AdminUnit, new[1].id).display_name
    before = snapshot(relocation.subject_id)

    for client, unit in ((other, new[0]), (lan, new[1])):  # another official; the same one clicking twice
        r = client.post(url, {"unit": str(unit.id)}, htmx=htmx)
        page = r.get_data(as_text=True)
        assert r.status_code == 409
        assert (f"Bản ghi này đã được Nguyễn Thị Lan xác nhận ngày 15/07/2025: đã chuyển về {moved_to}. "
                "Không có thay đổi nào; danh sách hiện tại được hiển thị.") in page
        assert 'id="relocations"' in page and "Chè lam Thạch Xá" in page and "Bánh tẻ Thạch Xá" not in page
        assert snapshot(relocation.subject_id) == before
        decided = db.session.get(Relocation, relocation.id)
        assert (decided.chosen_unit_id, decided.decided_by_id) == (new[1].id, first.id)
        assert db.session.get(Product, relocation.subject_id).commune_id == new[1].id
        db.session.rollback()


def test_tien_xuan_records_are_proposed_for_yen_xuan_where_all_its_people_went(
        app, units, make_user, make_product, new_client):
    """Tester finding 8. NQ 1656/NQ-UBTVQH15 Điều 1 khoản 96 puts a part of xã Tiến Xuân into xã Hòa Lạc
    and khoản 97 the rest into xã Yên Xuân: 21.62 of its 21.68 km2 and all of its 8,810 people
    (yenxuan.hanoi.gov.vn, noted in the merger file). A person still confirms, but the app proposed
    Hòa Lạc (the first khoản) for Tiến Xuân's products and officials."""
    with operations.MERGER_2025.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["old_unit"] == "Tiến Xuân"]
    assert [(r["new_commune"], r["whole_or_part"], r["note"].split(".")[0]) for r in rows] == [
        ("Yên Xuân", "part", "NQ 1656 Điều 1 khoản 97"), ("Hòa Lạc", "part", "NQ 1656 Điều 1 khoản 96")]
    assert "8,810 people" in rows[0]["note"] and "yenxuan.hanoi.gov.vn" in rows[0]["note"]

    units["tien_xuan"] = Commune(name="Tiến Xuân", unit_type="Xã", slug="tienxuan", parent=units["thach_that"])
    db.session.add(units["tien_xuan"])
    db.session.commit()
    honey = make_product(Stage.RANKED, Status.APPROVED, Level.CITY, commune_key="tien_xuan", stars=4, score=74,
                         name="Mật ong hoa nhãn Tiến Xuân")
    official = make_user(Role.COMMUNE_STAFF, "tien_xuan")
    _merge(app)

    reloc = db.session.query(Relocation).filter_by(subject_type="product", subject_id=honey.id).one()
    assert reloc.proposed_unit.name == "Yên Xuân"
    review = db.session.query(AccountReview).filter_by(user_id=official.id).one()
    assert (review.proposed_action, review.proposed_unit.name) == ("move", "Yên Xuân")
    yen_xuan, hoa_lac = _unit("Yên Xuân"), _unit("Hòa Lạc")
    db.session.rollback()

    city = new_client()
    city.login(make_user(Role.CITY_STAFF))
    row = city.get("/staff/units/relocations").get_data(as_text=True).split("Mật ong hoa nhãn Tiến Xuân")[1]
    row = row.split("</tr>")[0]
    assert f'<option value="{yen_xuan.id}" selected>Xã Yên Xuân (đề xuất)</option>' in row
    assert f'<option value="{hoa_lac.id}">Xã Hòa Lạc</option>' in row  # the resolution names it too
    admin = new_client()
    admin.login(make_user(Role.ADMIN))
    page = admin.get("/staff/units/accounts").get_data(as_text=True)
    assert official.username in page and "Xã Yên Xuân" in page.split(official.username)[1].split("</tr>")[0]


def test_a_district_round_open_when_the_district_ends_ends_and_its_products_go_to_a_city_round(
        app, units, thach_hoa, make_user, make_product, new_client):
    """Tester report (session 5): products waiting in an open district round were re-routed to the
    city but stayed in that round, which nobody could close any more; no city round could take them
    and the district's council was still reminded of sheets it could not submit."""
    from evaluation_support import add_product, choose_for_total, criteria_for, round_status, setup_round, submit

    waiting = make_product(Stage.UPGRADED, Status.APPROVED, Level.DISTRICT, name="Miến dong Thạch Xá")
    round_id, (entry_id,), _org, people = setup_round(make_user, new_client, [waiting])
    member, member_client = people[1]
    choices = choose_for_total(criteria_for(entry_id), 72)
    assert submit(member_client, round_id, entry_id, choices).status_code in (200, 303)

    output = _merge(app)
    assert "1 rounds ended" in output

    assert round_status(round_id) == "ended"
    moved = db.session.get(Product, waiting.id)
    assert (moved.stage, moved.status, moved.level) == ("upgraded", "approved", "city")
    last = db.session.query(StageEvent).filter_by(product_id=waiting.id, action="reroute").one()
    assert "Đợt đánh giá thử 2026" in last.detail and "hội đồng cấp thành phố" in last.detail
    db.session.rollback()

    # The round says why it ended, has no minutes, and cannot be closed; the member's sheet stays readable.
    chair_client = people[0][1]
    admin = new_client()
    admin.login(make_user(Role.ADMIN))
    page = admin.get(f"/staff/evaluation/rounds/{round_id}").get_data(as_text=True)
    assert "Đã kết thúc, không có kết quả" in page and "Biên bản" not in page
    assert "Đã rời đợt, không có kết quả (1/" in page
    assert admin.get(f"/staff/evaluation/rounds/{round_id}/minutes").status_code == 403
    assert chair_client.post(f"/staff/evaluation/rounds/{round_id}/close", {"version": "99"}).status_code in (403, 409)
    assert round_status(round_id) == "ended"

    # The city's council takes the product into a round of its own.
    city_org = new_client()
    city_org.login(make_user(Role.CITY_STAFF, "hanoi"))
    from evaluation_support import make_round

    city_round = make_round(city_org, name="Đợt đánh giá cấp thành phố 2026", rule_set="qd26-2026")
    add_product(city_org, city_round, moved)
    page = city_org.get(f"/staff/products/{waiting.id}").get_data(as_text=True)
    assert "Đợt đánh giá thử 2026" in page


def test_a_producers_other_products_of_a_split_commune_are_proposed_where_the_producer_went(
        app, units, thach_hoa, make_user, make_product, new_client):
    """Tester report (session 5): confirming one product of a split commune moved its producer there,
    but the producer's second product was still proposed for another commune, so one click on the
    proposal put it apart from its producer."""
    tea = make_product(Stage.RANKED, Status.APPROVED, Level.CITY, stars=3, score=60, name="Chè xanh Thạch Hòa")
    black = make_product(Stage.REGISTERED, Status.DRAFT, Level.COMMUNE, name="Chè đen Thạch Hòa")
    black.producer_id = tea.producer_id
    for p in (tea, black):
        p.commune_id = thach_hoa.id
    tea.producer.unit_id = thach_hoa.id
    db.session.commit()
    _merge(app)
    relocations = {r.subject_id: r for r in db.session.query(Relocation).filter_by(subject_type="product")}
    assert relocations[black.id].proposed_unit.name == "Hòa Lạc"
    yen_xuan = _unit("Yên Xuân")
    db.session.rollback()

    city = new_client()
    city.login(make_user(Role.CITY_STAFF))
    assert city.post(f"/staff/units/relocations/{relocations[tea.id].id}", {"unit": str(yen_xuan.id)}).status_code == 303
    row = city.get("/staff/units/relocations").get_data(as_text=True).split("Chè đen Thạch Hòa")[1].split("</tr>")[0]
    assert re.search(r'selected>Xã Yên Xuân \(đề xuất\)', row), row
    db.session.rollback()
    assert db.session.get(Product, tea.id).producer.unit_id == yen_xuan.id


def test_the_public_register_filters_by_the_new_communes_under_the_city(
        app, units, thach_hoa, make_product, client):
    """Tester report (session 5): after the merger the register's commune list needed a district,
    and the new communes have none, so nobody could pick xã Tây Phương."""
    make_product(Stage.RANKED, Status.APPROVED, Level.CITY, stars=4, score=74, name="Chè lam Thạch Xá")
    make_product(Stage.RANKED, Status.APPROVED, Level.CITY, commune_key="binh_phu", stars=3, score=60,
                 name="Quạt giấy Bình Phú")
    _merge(app)
    tay_phuong, hanoi = _unit("Tây Phương"), units["hanoi"].id
    db.session.rollback()

    page = client.get(f"/?city={hanoi}").get_data(as_text=True)
    communes = re.search(r'<select id="commune".*?</select>', page, re.S).group(0)
    assert f'<option value="{tay_phuong.id}">Xã Tây Phương</option>' in communes
    districts = re.search(r'<select id="district".*?</select>', page, re.S).group(0)
    assert "Huyện Thạch Thất (đến 30/06/2025)" in districts
    listing = client.get(f"/?city={hanoi}&commune={tay_phuong.id}").get_data(as_text=True)
    assert "Chè lam Thạch Xá" in listing and "Quạt giấy Bình Phú" not in listing


@pytest.mark.parametrize("change, message", [
    (lambda header, row: (header.replace("old_district,", ""), row), "missing columns: old_district"),
    (lambda header, row: (header, row.replace("2025-07-01", "2025-13-01")), "effective_date '2025-13-01' is not a date"),
    (lambda header, row: (header, row.replace(",whole,", ",all,")), "whole_or_part must be 'whole' or 'part'"),
])
def test_a_malformed_merger_file_is_refused_with_its_line_and_changes_nothing(
        app, units, tmp_path, change, message):
    """Tester report (session 5): a merger file with a missing column or a bad date ended in a traceback."""
    header, row = operations.MERGER_2025.read_text(encoding="utf-8").splitlines()[:2]
    header, row = change(header, row)
    bad = tmp_path / "merger.csv"
    bad.write_text(f"{header}\n{row}\n", encoding="utf-8")
    communes = db.session.query(Commune).count()
    db.session.rollback()
    result = in_own_context(app.test_cli_runner().invoke, args=["units", "apply-merger", str(bad)])
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    assert db.session.query(Commune).count() == communes
    db.session.rollback()


def test_an_overdue_dossier_of_a_split_commune_is_told_to_the_city_not_to_its_ended_commune(
        app, units, thach_hoa, make_user, make_product):
    """Tester report (session 5): the ended commune's approver, who can take no step, was told a
    dossier waiting on the confirmation list was overdue, and nobody who could act was told."""
    from ocop_app.models import Notification
    from ocop_app.notifications import reminders

    waiting = make_product(Stage.REGISTERED, Status.AWAITING, Level.COMMUNE, name="Măng Thạch Hòa",
                           rule_set_code="qd26-2026")
    waiting.commune_id = thach_hoa.id
    old_approver = make_user(Role.COMMUNE_APPROVER, "thach_xa")
    old_approver.unit_id = thach_hoa.id
    city_staff = make_user(Role.CITY_STAFF, "hanoi")
    db.session.commit()
    _merge(app)

    reminders.collect(dt.date.today() + dt.timedelta(days=60))
    told = {n.user_id: n for n in db.session.query(Notification).filter(Notification.key.like("overdue:%"))}
    assert set(told) == {city_staff.id}
    assert told[city_staff.id].url == "/staff/units/relocations" and "không còn" in told[city_staff.id].body
    db.session.rollback()


def test_the_city_officers_queue_lists_the_split_communes_records_to_confirm(
        app, units, thach_hoa, make_user, make_product, new_client):
    """Tester report (session 5): pending relocations showed only as a menu link, not in 'Việc của tôi'."""
    product = make_product(Stage.RANKED, Status.APPROVED, Level.CITY, stars=3, score=60, name="Nhãn Thạch Hòa")
    product.commune_id = thach_hoa.id
    db.session.commit()
    city = new_client()
    city.login(make_user(Role.CITY_STAFF))
    assert "xác nhận xã mới" not in city.get("/staff/queue").get_data(as_text=True)
    _merge(app)
    page = city.get("/staff/queue").get_data(as_text=True)
    assert "1 sản phẩm của xã bị chia tách đang chờ bạn xác nhận xã mới." in page
    assert 'href="/staff/units/relocations"' in page
    assert re.search(r"\b1\b", city.get("/staff/queue/count").get_data(as_text=True))


def test_the_city_reads_its_districts_rounds_and_plans_but_does_not_act_on_them(
        app, units, make_user, make_product, new_client):
    """Tester report (session 5): once the district ended, only the administrator and the district's frozen
    accounts could open its rounds' minutes and its plans; the city, which took over, got 404."""
    from evaluation_support import choose_for_total, close_round, criteria_for, setup_round, submit
    from ocop_app.models import Plan

    product = make_product(Stage.UPGRADED, Status.APPROVED, Level.DISTRICT, name="Miến dong Thạch Xá")
    round_id, (entry_id,), _org, people = setup_round(make_user, new_client, [product], n_members=2)
    choices = choose_for_total(criteria_for(entry_id), 72)
    for _user, c in people:
        assert submit(c, round_id, entry_id, choices).status_code in (200, 303)
    assert close_round(people[0][1], round_id).status_code == 303
    plan = Plan(unit_id=units["thach_that"].id, number="07/KH-UBND", title="Kế hoạch OCOP Thạch Thất 2025",
                issued_on=dt.date(2025, 1, 20), year_from=2025, year_to=2025)
    db.session.add(plan)
    db.session.commit()
    plan_id = plan.id
    _merge(app)

    city = new_client()
    city.login(make_user(Role.CITY_STAFF, "hanoi"))
    assert f"/staff/evaluation/rounds/{round_id}" in city.get("/staff/evaluation/").get_data(as_text=True)
    assert city.get(f"/staff/evaluation/rounds/{round_id}/minutes").status_code == 200
    assert city.get(f"/staff/evaluation/rounds/{round_id}/export.xlsx").status_code == 200
    assert city.post(f"/staff/evaluation/rounds/{round_id}/products",
                     {"product_id": str(product.id)}).status_code == 403
    page = city.get(f"/staff/plans/{plan_id}")
    assert page.status_code == 200 and "Sửa kế hoạch" not in page.get_data(as_text=True)
    assert city.get(f"/staff/plans/{plan_id}/edit").status_code == 404
    elsewhere = new_client()
    elsewhere.login(make_user(Role.CITY_STAFF, "lam_dong"))
    assert elsewhere.get(f"/staff/evaluation/rounds/{round_id}").status_code == 404
    assert elsewhere.get(f"/staff/plans/{plan_id}").status_code == 404


def test_a_split_communes_official_is_not_told_its_products_have_moved(app, units, thach_hoa, make_user, new_client):
    """Tester report (session 5): the notice told Thạch Hòa's officials their products belonged to the
    successors while they were still waiting for the city to confirm each one."""
    official = make_user(Role.COMMUNE_STAFF, "thach_xa")
    official.unit_id = thach_hoa.id
    moved = make_user(Role.COMMUNE_STAFF, "thach_xa")
    db.session.commit()
    _merge(app)
    c = new_client()
    c.login(official)
    notice = re.search(r'<p class="notice notice-unit-ended".*?</p>', c.get("/staff/queue").get_data(as_text=True),
                       re.S).group(0)
    assert "được chia cho một số đơn vị mới" in notice and "thành phố xác nhận" in notice
    other = new_client()
    other.login(moved)
    assert "notice-unit-ended" not in other.get("/staff/queue").get_data(as_text=True)  # moved with its commune


def test_the_staff_commune_filter_marks_ended_communes(app, units, thach_hoa, make_user, new_client):
    """Tester report (session 5): after the merger the list showed two identical names, the ended
    commune and the new one (e.g. Hạ Bằng), with nothing to tell them apart."""
    _merge(app)
    city = new_client()
    city.login(make_user(Role.CITY_STAFF))
    select = re.search(r'<select[^>]*name="commune".*?</select>', city.get("/staff/products").get_data(as_text=True),
                       re.S).group(0)
    assert ">Thạch Xá (đến 30/06/2025)<" in select and ">Tây Phương<" in select
    assert select.index(">Tây Phương<") < select.index(">Thạch Xá (đến 30/06/2025)<")


def test_the_staff_commune_filter_is_in_vietnamese_alphabetical_order(app, units, make_user, new_client):
    """Tester report (session 5): the list was in code-point order ("Chàng Sơn" before "Cần Kiệm")."""
    for name, slug in (("Chàng Sơn", "changson"), ("Cần Kiệm", "cankiem")):
        db.session.add(Commune(name=name, unit_type="Xã", slug=slug, parent=units["thach_that"]))
    db.session.commit()
    c = new_client()
    c.login(make_user(Role.DISTRICT_STAFF))
    select = re.search(r'<select[^>]*name="commune".*?</select>', c.get("/staff/products").get_data(as_text=True),
                       re.S).group(0)
    assert select.index(">Cần Kiệm<") < select.index(">Chàng Sơn<")
