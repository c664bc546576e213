"""Plans (kế hoạch): targets against live counts that match the lists they come from."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from ocop_app.extensions import db
from ocop_app.models import Plan, StageEvent
from ocop_app.reports.xlsx import read_rows
from ocop_app.workflow import Level, Role, Stage, Status

RANKED = (Stage.RANKED, Status.APPROVED, Level.CITY)

PLAN = {
    "number": "125/KH-UBND", "title": "Kế hoạch phát triển sản phẩm OCOP năm 2026", "issued_on": "10/02/2026",
    "year_from": "2026", "year_to": "2026", "t_registered": "115", "t_ranked_city": "20",
    "t_ranked_national": "1", "t_officials_trained_pct": "100", "t_producers_trained_pct": "100",
    "branch_targets-0-metric": "ranked_city", "branch_targets-0-branch": "food", "branch_targets-0-value": "3",
}


def _programme(make_product):
    """A district with products at every stage, in two communes, and one product in another district."""
    for _ in range(3):
        make_product(Stage.REGISTERED, Status.DRAFT, Level.COMMUNE)
    make_product(Stage.REGISTERED, Status.WITHDRAWN, Level.COMMUNE)  # not counted
    make_product(Stage.REGISTERED, Status.REJECTED, Level.DISTRICT, commune_key="binh_phu")  # not counted
    make_product(Stage.TRAINED, Status.AWAITING, Level.DISTRICT, commune_key="binh_phu")
    make_product(Stage.UPGRADED, Status.APPROVED, Level.DISTRICT)
    make_product(Stage.EVALUATED, Status.AWAITING, Level.CITY, stars=4, score=75)  # district level only
    make_product(Stage.EVALUATED, Status.CLOSED, Level.DISTRICT, stars=2, score=40)
    make_product(*RANKED, stars=3, score=60, product_set_no=1)  # food
    make_product(*RANKED, stars=4, score=80, commune_key="binh_phu", product_set_no=21)
    make_product(*RANKED, stars=5, score=92, product_set_no=2)  # food, national
    make_product(*RANKED, stars=4, score=78, commune_key="sai_son")  # another district


def _fresh(stmt):
    db.session.rollback()  # see what the requests (other threads) committed
    return db.session.scalars(stmt)


def _create_plan(client, make_user, data=PLAN):
    client.login(make_user(Role.DISTRICT_STAFF))
    return client.post("/staff/plans/new", data)


def _list_total(client, url) -> int:
    page = client.get(url).get_data(as_text=True)
    return int(re.search(r'<p class="total">([\d.]+) sản phẩm', page).group(1).replace(".", ""))


def test_plan_shows_live_gap_and_numbers_match_the_lists(client, make_user, make_product):
    _programme(make_product)
    response = _create_plan(client, make_user)
    assert response.status_code == 303
    plan = _fresh(select(Plan)).one()
    assert plan.unit.name == "Thạch Thất" and len(plan.targets) == 6
    page = client.get(f"/staff/plans/{plan.id}").get_data(as_text=True)

    rows = {}
    for m in re.finditer(r'<tr id="target-\d+">(.*?)</tr>', page, re.S):
        label = re.sub(r"<.*?>", "", re.search(r"<th[^>]*>(.*?)</th>", m.group(1), re.S).group(1)).strip()
        rows[label] = m.group(1)
    city = rows["Sản phẩm đạt cấp thành phố (★3+)"]
    assert "còn thiếu 17 sản phẩm cấp thành phố" in city  # 20 planned, 3 ranked in Thạch Thất
    assert "còn thiếu 1" not in rows["Sản phẩm đạt cấp quốc gia (★5)"] and "Đã đạt chỉ tiêu" in rows[
        "Sản phẩm đạt cấp quốc gia (★5)"]
    assert "còn thiếu 105 sản phẩm đăng ký" in rows["Sản phẩm đăng ký"]  # 115 − 10
    # No one trained yet: 0 % of the district's one official (the planner), from the training records.
    officials = rows["Cán bộ được tập huấn (%)"]
    assert "0 %" in officials and "0/1, chu kỳ 2026" in officials and "còn thiếu 100 điểm phần trăm" in officials
    assert "còn thiếu 1 sản phẩm cấp thành phố" in rows["Sản phẩm đạt cấp thành phố (★3+) — Thực phẩm"]
    assert "<svg" in city  # a plain bar per target

    # Every count links to the product list (and its Excel export) giving exactly that many products.
    links = re.findall(r'<td class="num actual"><a href="([^"]+)">([\d.]+)</a>', page)
    assert len(links) == 4
    for href, shown in links:
        url = href.replace("&amp;", "&")
        assert _list_total(client, url) == int(shown), url
        export = client.get(url.replace("/staff/products", "/staff/reports/products.xlsx"))
        assert len(read_rows(export.data)[1]) == int(shown)
    # …and per commune too.
    cells = re.findall(r'<td class="num"><a href="([^"]+commune=\d+[^"]*)">(\d+)</a>', page)
    assert cells
    for href, shown in cells:
        assert _list_total(client, href.replace("&amp;", "&")) == int(shown)


def test_plan_form_keeps_input_and_says_what_is_wrong(client, make_user):
    bad = dict(PLAN, issued_on="31/02/2026", year_to="2025")
    response = _create_plan(client, make_user, bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="125/KH-UBND"' in page and "Giai đoạn kết thúc trước khi bắt đầu" in page
    assert "Nhập ngày theo dạng dd/mm/yyyy" in page and 'value="31/02/2026"' in page
    # The browser keeps what was typed only in text boxes: a type="date"/"number" box it cannot
    # parse comes back empty (a tester lost "31/02/2026" and "abc" that way).
    bad = dict(PLAN, year_from="abc", t_registered="xyz")
    page = client.post("/staff/plans/new", bad).get_data(as_text=True)
    for name, typed in (("issued_on", "10/02/2026"), ("year_from", "abc"), ("t_registered", "xyz")):
        box = re.search(r'<input[^>]*name="%s"[^>]*>' % name, page).group(0)
        assert 'type="text"' in box and f'value="{typed}"' in box, box
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 0


def test_plans_are_seen_only_in_their_unit(client, new_client, make_user, make_product):
    _create_plan(client, make_user)
    plan = _fresh(select(Plan)).one()
    other = new_client()
    other.login(make_user(Role.DISTRICT_STAFF, "quoc_oai"))
    assert other.get(f"/staff/plans/{plan.id}").status_code == 404
    commune = new_client()
    commune.login(make_user(Role.COMMUNE_STAFF))
    assert commune.get(f"/staff/plans/{plan.id}").status_code == 403
    assert commune.post("/staff/plans/new", PLAN).status_code == 403


def test_demo_plan_115_20_1_100_shows_its_gaps(client):
    from ocop_app import demo

    demo.load()
    client.login("huyen.duyet", "ocop-demo")
    plans = client.get("/staff/plans/").get_data(as_text=True)
    plan_id = re.search(r'/staff/plans/(\d+)">DEMO-01/KH-UBND', plans).group(1)
    page = client.get(f"/staff/plans/{plan_id}").get_data(as_text=True)
    city = re.search(r'<a href="([^"]+ranked_at=city[^"]*)">(\d+)</a>', page)
    shown = int(city.group(2))
    assert f"còn thiếu {20 - shown} sản phẩm cấp thành phố" in page
    assert _list_total(client, city.group(1).replace("&amp;", "&")) == shown
    # Officials and producers trained: the demo's training records, as the training targets page shows them.
    assert "chưa có dữ liệu" not in page
    pcts = re.findall(r'<td class="num actual pct"><a href="/staff/training/targets\?year=(\d+)">([\d,]+) %</a>', page)
    assert len(pcts) == 2
    training = client.get(f"/staff/training/targets?year={pcts[0][0]}").get_data(as_text=True)
    for key, (_year, pct) in zip(("officials", "producers"), pcts):
        row = re.search(rf'<tr id="target-{key}">(.*?)</tr>', training, re.S).group(1)
        assert f"<strong>{pct}%</strong>" in row, (key, pct)
    assert "Đã nhập xong" not in page and str(demo.load()) == "nothing new (demo data already loaded)"


def test_training_targets_on_the_plan_match_the_training_page(client, new_client, make_user, make_product):
    """The plan's "officials trained %" and "producers trained %" are the training records' figures:
    the same numbers as the district's training targets page, and they move when a course is recorded."""
    from test_training import _confirm, _course, _preview, _xlsx

    ranked_elsewhere = make_product(*RANKED, stars=4, score=78, commune_key="sai_son")  # another district
    products = [make_product(Stage.REGISTERED, Status.APPROVED, Level.DISTRICT,
                             commune_key=("thach_xa", "binh_phu")[i % 2]) for i in range(3)]
    make_user(Role.COMMUNE_STAFF, "thach_xa", username="xa.thachxa")
    make_user(Role.COMMUNE_STAFF, "binh_phu", username="xa.binhphu")
    assert _create_plan(client, make_user).status_code == 303  # the planner: a third official
    plan = _fresh(select(Plan)).one()
    db.session.rollback()

    def figures():
        page = client.get(f"/staff/plans/{plan.id}").get_data(as_text=True)
        shown = {}
        for m in re.finditer(r'<tr id="target-\d+">(.*?)</tr>', page, re.S):
            cell = re.search(r'<td class="num actual pct">(.*?)</td>', m.group(1), re.S)
            if cell:
                text = re.sub(r"<.*?>", "", cell.group(1))
                pct, done, of = re.search(r"([\d,]+) %\s+(\d+)/(\d+)", text).groups()
                label = re.sub(r"<.*?>", "", re.search(r"<th[^>]*>(.*?)</th>", m.group(1)).group(1))
                shown[label] = (pct, done, of)
        targets = client.get("/staff/training/targets?year=2026").get_data(as_text=True)
        training = {}
        for key in ("officials", "producers"):
            row = re.search(rf'<tr id="target-{key}">(.*?)</tr>', targets, re.S).group(1)
            pct = re.search(r"<strong>([\d,]+)%</strong>", row).group(1)
            done, of = re.search(r"<td>(\d+) / (\d+)</td>", row).groups()
            training[key] = (pct, done, of)
        return shown, training, page

    shown, training, page = figures()
    assert shown["Cán bộ được tập huấn (%)"] == training["officials"] == ("0", "0", "3")
    assert shown["Chủ thể tham gia được tập huấn (%)"] == training["producers"] == ("0", "0", "3")
    assert 'href="/staff/training/targets?year=2026"' in page

    # A course: two of the three producers (one absent) and one official.
    c = new_client()
    c.login(make_user(Role.DISTRICT_STAFF, username="huyen.canbo"))  # a fourth official, not trained
    course_id = _course(c)
    rows = [("Nguyễn Văn A", products[0].producer.name, products[0].commune.name, "", "x"),
            ("Nguyễn Văn B", products[1].producer.name, products[1].commune.name, "", "vắng"),
            ("Nguyễn Văn C", products[2].producer.name, products[2].commune.name, "", "x"),
            ("Cán bộ xã", "", "", "xa.thachxa", "x")]
    db.session.rollback()
    assert _confirm(c, course_id, _preview(c, course_id, _xlsx(rows)).get_data(as_text=True)).status_code == 303
    shown, training, page = figures()
    assert shown["Cán bộ được tập huấn (%)"] == training["officials"] == ("25", "1", "4")
    assert shown["Chủ thể tham gia được tập huấn (%)"] == training["producers"] == ("66,7", "2", "3")
    assert "còn thiếu 33,3 điểm phần trăm" in page
    assert ranked_elsewhere.producer.name not in page


def _ranked_on(product, moment: dt.datetime) -> None:
    """Record that ``product`` was ranked at ``moment`` (its stage event into "ranked")."""
    db.session.add(StageEvent(product_id=product.id, action="confirm_ranking", from_stage="evaluated",
                              from_status="awaiting", from_level="city", to_stage="ranked", to_status="approved",
                              to_level="city", reason="", detail="", at=moment))
    db.session.commit()


def test_plan_counts_only_what_was_reached_within_its_period(client, make_user, make_product):
    """A plan's counts (and the lists they link to) take the products that first reached the target's
    stage in the plan's years, in Vietnam's time: ranked in 2024 counts for 2024–2025, not for 2026."""
    utc = dt.timezone.utc
    make_product(Stage.REGISTERED, Status.DRAFT, Level.COMMUNE)  # registered now (2026)
    in_2024 = make_product(*RANKED, stars=4, score=80, product_set_no=1)
    _ranked_on(in_2024, dt.datetime(2024, 5, 2, 3, 0, tzinfo=utc))
    new_year = make_product(*RANKED, stars=3, score=60, product_set_no=1)
    _ranked_on(new_year, dt.datetime(2025, 12, 31, 17, 30, tzinfo=utc))  # 1/1/2026 00:30 in Hà Nội
    plans = {}
    for years in ((2026, 2026), (2024, 2025)):
        data = dict(PLAN, number=f"{years[0]}/KH-UBND", year_from=str(years[0]), year_to=str(years[1]),
                    issued_on=f"10/02/{years[0]}")
        if not plans:
            assert _create_plan(client, make_user, data).status_code == 303
        else:
            assert client.post("/staff/plans/new", data).status_code == 303
        plans[years] = _fresh(select(Plan).where(Plan.number == data["number"])).one()

    def actual(plan, label):
        page = client.get(f"/staff/plans/{plan.id}").get_data(as_text=True)
        for m in re.finditer(r'<tr id="target-\d+">(.*?)</tr>', page, re.S):
            if re.sub(r"<.*?>", "", re.search(r"<th[^>]*>(.*?)</th>", m.group(1), re.S).group(1)).strip() == label:
                link = re.search(r'<td class="num actual"><a href="([^"]+)">([\d.]+)</a>', m.group(1))
                shown = int(link.group(2))
                assert _list_total(client, link.group(1).replace("&amp;", "&")) == shown  # the list agrees
                return shown
        raise AssertionError(label)

    city, registered = "Sản phẩm đạt cấp thành phố (★3+)", "Sản phẩm đăng ký"
    assert actual(plans[(2026, 2026)], city) == 1  # ranked at 00:30 on 1/1/2026, local time
    assert actual(plans[(2026, 2026)], registered) == 2
    assert actual(plans[(2024, 2025)], city) == 1
    assert actual(plans[(2024, 2025)], registered) == 1  # it entered the programme (first event) in 2024
