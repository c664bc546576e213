"""The public register and /api/v1/products."""

from __future__ import annotations

import pytest

from ocop_app.workflow import Level, Stage, Status

RANKED = (Stage.RANKED, Status.APPROVED, Level.CITY)


@pytest.fixture
def register(make_product):
    make_product(*RANKED, stars=5, score=91, name="Gốm Bát Tràng", product_set_no=21)
    make_product(*RANKED, stars=4, score=75, name="Đậu phụ Mơ", product_set_no=8, commune_key="binh_phu")
    make_product(*RANKED, stars=3, score=55, name="Bún Thạch Xá", product_set_no=6)
    make_product(*RANKED, stars=2, score=40, name="Kẹo lạc hai sao", product_set_no=7)
    make_product(Stage.EVALUATED, Status.AWAITING, Level.CITY, stars=4, score=80, name="Chờ thành phố")


def test_only_ranked_three_stars_and_up(register, client):
    page = client.get("/").get_data(as_text=True)
    for name in ("Gốm Bát Tràng", "Đậu phụ Mơ", "Bún Thạch Xá"):
        assert name in page
    assert "Kẹo lạc hai sao" not in page and "Chờ thành phố" not in page
    items = client.get("/api/v1/products").get_json()["items"]
    assert sorted(i["name"] for i in items) == ["Bún Thạch Xá", "Gốm Bát Tràng", "Đậu phụ Mơ"]


def test_api_shape_and_filters(register, client, units):
    data = client.get("/api/v1/products?stars=5").get_json()
    assert data["total"] == 1
    item = data["items"][0]
    assert set(item) == {"id", "name", "producer", "producer_type", "commune", "district", "city", "branch",
                         "product_set_no", "product_set", "stars", "score", "ranked_year", "ranked_on",
                         "certificate_no", "decision_no", "signed_on", "valid_until", "certificate_status", "url"}
    assert (item["name"], item["commune"], item["district"], item["city"], item["branch"]) == (
        "Gốm Bát Tràng", "Thạch Xá", "Thạch Thất", "Hà Nội", "handicraft")
    assert [i["name"] for i in client.get("/api/v1/products?group=food").get_json()["items"]] == [
        "Đậu phụ Mơ", "Bún Thạch Xá"]
    commune = units["binh_phu"].id
    assert [i["name"] for i in client.get(f"/api/v1/products?commune={commune}").get_json()["items"]] == ["Đậu phụ Mơ"]
    assert [i["name"] for i in client.get("/api/v1/products?q=GOM bat").get_json()["items"]] == ["Gốm Bát Tràng"]
    assert client.get("/api/v1/products?stars=4&group=food&q=dau").get_json()["total"] == 1


def test_api_pagination(register, client):
    first = client.get("/api/v1/products?per_page=2&page=1").get_json()
    second = client.get("/api/v1/products?per_page=2&page=2").get_json()
    assert (first["total"], first["pages"], len(first["items"]), len(second["items"])) == (3, 2, 2, 1)
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})


@pytest.mark.parametrize("query", ["stars=2", "stars=x", "group=cars", "per_page=101", "per_page=0", "page=0",
                                   "page=abc", "commune=thachxa"])
def test_api_bad_parameters_are_400_with_a_message(register, client, query):
    r = client.get(f"/api/v1/products?{query}")
    assert r.status_code == 400
    assert r.get_json()["error"]


def test_public_page_filters_and_product_page(register, client):
    r = client.get("/?stars=4")
    assert r.status_code == 200 and "Đậu phụ Mơ" in r.get_data(as_text=True)
    assert "Gốm Bát Tràng" not in r.get_data(as_text=True)
    assert client.get("/?stars=9").status_code == 400
    fragment = client.get("/?q=gom", htmx=True).get_data(as_text=True)
    assert "<html" not in fragment and "Gốm Bát Tràng" in fragment
    item = client.get("/api/v1/products?stars=5").get_json()["items"][0]
    page = client.get(f"/p/{item['id']}").get_data(as_text=True)
    assert "Gốm Bát Tràng" in page and "Xếp hạng 5 sao" in page and "chưa có giấy chứng nhận" in page


def test_unranked_product_page_is_404(make_product, client):
    p = make_product(Stage.EVALUATED, Status.AWAITING, Level.CITY, stars=4, score=80)
    assert client.get(f"/p/{p.id}").status_code == 404


def test_english_page(register, client):
    client.post("/lang/en", {"next": "/"})
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page and "Recognised OCOP products" in page
    assert "Sản phẩm OCOP được công nhận" not in page
