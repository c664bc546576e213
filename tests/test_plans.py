"""Plans (kế hoạch): targets against live counts that match the lists they come from."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from ocop_app.extensions import db
from ocop_app.models import Plan
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
    assert "chưa có dữ liệu" in rows["Cán bộ được tập huấn (%)"]
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
    assert "Hãy nhập ngày theo dạng dd/mm/yyyy" in page and 'value="31/02/2026"' in page
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
    assert page.count("chưa có dữ liệu") >= 2  # officials and producers trained: no training data yet
    assert "Đã nhập xong" not in page and str(demo.load()) == "nothing new (demo data already loaded)"
