"""The public register: Vietnamese search and order, filters, keyset pages, product pages,
certificate check, QR codes, open data with caching, and a fixed number of SQL statements."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
from decimal import Decimal

import pytest
import segno
from sqlalchemy import event, select

from ocop_app.extensions import db
from ocop_app.models import Certificate, Product
from ocop_app.products import operations
from ocop_app.public.register import local_today
from ocop_app.text import vi_sort_key
from ocop_app.workflow import Level, Stage, Status

RANKED = (Stage.RANKED, Status.APPROVED, Level.CITY)
TODAY = local_today()


def certify(product, *, signed_on=None, valid_until=None, revoked_on=None, number=None, stars=None):
    signed_on = signed_on or TODAY - dt.timedelta(days=100)
    cert = Certificate(
        product_id=product.id, number=number or f"QĐ-{product.id}/OCOP", decision_no=f"{product.id}/QĐ-UBND",
        signed_on=signed_on, valid_until=valid_until or signed_on + dt.timedelta(days=3 * 365),
        stars=stars or product.stars, issued_by="city", rule_set_code=product.rule_set_code, revoked_on=revoked_on,
    )
    db.session.add(cert)
    db.session.commit()
    return cert


@pytest.fixture
def register(make_product):
    """Nine recognised products (one per spelling trap), two that are not public."""
    p = {}
    p["banh_chung"] = make_product(*RANKED, stars=4, score=75.5, name="Bánh chưng Tranh Khúc", product_set_no=6)
    p["banh_chung_gac"] = make_product(*RANKED, stars=3, score=60, name="Bánh chưng gấc", product_set_no=6,
                                       commune_key="binh_phu")
    p["banh_cuon"] = make_product(*RANKED, stars=3, score=55, name="Bánh cuốn Thanh Trì", product_set_no=6)
    p["dau_phu"] = make_product(*RANKED, stars=4, score=72, name="Đậu phụ Mơ", product_set_no=8)
    p["dua"] = make_product(*RANKED, stars=4, score=71, name="Dưa chuột muối", product_set_no=7)
    p["dau"] = make_product(*RANKED, stars=4, score=73, name="Dầu lạc Eva", product_set_no=7)
    p["em"] = make_product(*RANKED, stars=4, score=70, name="Ếch đồng", product_set_no=2, commune_key="sai_son")
    p["gom"] = make_product(*RANKED, stars=5, score=91, name="Gốm Bát Tràng", product_set_no=21,
                            commune_key="hiep_an")
    p["zz"] = make_product(*RANKED, stars=3, score=51, name="Ấm trà gốm", product_set_no=21)
    make_product(*RANKED, stars=2, score=40, name="Bánh chưng hai sao", product_set_no=6)
    make_product(Stage.EVALUATED, Status.AWAITING, Level.CITY, stars=4, score=80, name="Bánh chưng chờ duyệt")
    return p


def names(client, url):
    return [i["name"] for i in client.get(url).get_json()["items"]]


def page_names(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/p/\d+">([^<]+)</a>', html)


# -- search ------------------------------------------------------------------------
@pytest.mark.parametrize("query", ["banh chung", "BÁNH CHƯNG", unicodedata.normalize("NFD", "bánh chưng"),
                                   "Banh Chung", "  bánh   chưng  ", "banh chu"])
def test_spellings_find_the_same_products(register, client, query):
    found = names(client, "/api/v1/products?" + _qs(q=query))
    assert sorted(found) == ["Bánh chưng Tranh Khúc", "Bánh chưng gấc"]
    html = client.get("/?" + _qs(q=query)).get_data(as_text=True)
    assert sorted(page_names(html)) == ["Bánh chưng Tranh Khúc", "Bánh chưng gấc"]


def _qs(**kw):
    from urllib.parse import urlencode

    return urlencode(kw)


def test_d_for_dj_and_search_over_producer_and_place(register, client):
    assert names(client, "/api/v1/products?q=dau+phu") == ["Đậu phụ Mơ"]
    assert names(client, "/api/v1/products?" + _qs(q="ĐẬU PHỤ")) == ["Đậu phụ Mơ"]
    assert sorted(names(client, "/api/v1/products?q=dau")) == ["Dầu lạc Eva", "Đậu phụ Mơ"]
    # Place: Sài Sơn (Quốc Oai) and Hiệp An (Lâm Đồng); producer: "HTX thử nghiệm 8" is Gốm Bát Tràng's.
    assert names(client, "/api/v1/products?q=sai+son") == ["Ếch đồng"]
    assert names(client, "/api/v1/products?q=lam+dong") == ["Gốm Bát Tràng"]
    assert names(client, "/api/v1/products?q=thu+nghiem+8") == ["Gốm Bát Tràng"]
    assert names(client, "/api/v1/products?q=%21%21%21") != []  # punctuation only: no search, all products
    assert names(client, "/api/v1/products?q=xyzzy") == []


def test_results_are_ranked_name_matches_first(register, client):
    # "gom" is in both names; the product whose name starts with it comes first, whatever its stars.
    found = names(client, "/api/v1/products?q=gom")
    assert found[0] == "Gốm Bát Tràng" and set(found) == {"Gốm Bát Tràng", "Ấm trà gốm"}
    assert names(client, "/api/v1/products?q=am+tra")[0] == "Ấm trà gốm"


def test_search_index_follows_renames(register, client):
    product = register["banh_cuon"]
    product.name = "Chả rươi Tứ Kỳ"  # as operations.update_details does it
    product.search_text = operations.search_text_for(product)
    db.session.commit()
    assert names(client, "/api/v1/products?q=cha+ruoi") == ["Chả rươi Tứ Kỳ"]
    assert names(client, "/api/v1/products?q=banh+cuon") == []
    # The staff list's LIKE search on the same folded text still works.
    assert db.session.scalar(select(Product.sort_key).where(Product.id == product.id)) == vi_sort_key("Chả rươi Tứ Kỳ")


# -- Vietnamese order --------------------------------------------------------------
def test_vi_sort_key_orders_the_vietnamese_alphabet():
    words = ["Zeta", "Ơi", "Ốc", "Ổi", "Đậu", "Dưa", "Dầu", "Ấm", "Ăn", "An", "Bà", "Ba", "Bạ", "Bá", "Bả", "Bã",
             "Ba 2", "ư", "u", "Ê", "E", "Gạo"]
    ordered = sorted(words, key=vi_sort_key)
    assert ordered == ["An", "Ăn", "Ấm", "Ba", "Bà", "Bả", "Bã", "Bá", "Bạ", "Ba 2", "Dầu", "Dưa", "Đậu", "E", "Ê",
                       "Gạo", "Ốc", "Ổi", "Ơi", "u", "ư", "Zeta"]
    assert vi_sort_key(unicodedata.normalize("NFD", "Đậu phụ")) == vi_sort_key("Đậu phụ")
    assert vi_sort_key("bánh") < vi_sort_key("Bánh")  # case breaks ties only
    assert vi_sort_key("Bánh") < vi_sort_key("bánh a")


def test_register_sorts_dj_after_d_not_after_z(register, client):
    four = names(client, "/api/v1/products?stars=4&sort=name")
    assert four == ["Bánh chưng Tranh Khúc", "Dầu lạc Eva", "Dưa chuột muối", "Đậu phụ Mơ", "Ếch đồng"]
    everything = names(client, "/api/v1/products?sort=name")
    assert everything.index("Đậu phụ Mơ") == everything.index("Dưa chuột muối") + 1
    assert everything[0] == "Ấm trà gốm" and everything[-1] == "Gốm Bát Tràng"
    html = client.get("/?sort=name").get_data(as_text=True)
    assert page_names(html) == everything
    # Default: stars high to low, then A–Z.
    assert names(client, "/api/v1/products")[:3] == ["Gốm Bát Tràng", "Bánh chưng Tranh Khúc", "Dầu lạc Eva"]


# -- filters ----------------------------------------------------------------------
def test_filters_combine_in_api_and_page(register, client, units):
    assert names(client, "/api/v1/products?group=handicraft&sort=name") == ["Ấm trà gốm", "Gốm Bát Tràng"]
    assert names(client, "/api/v1/products?product_set=6&sort=name") == [
        "Bánh chưng gấc", "Bánh chưng Tranh Khúc", "Bánh cuốn Thanh Trì"]
    assert names(client, "/api/v1/products?product_set=6&stars=3&sort=name") == ["Bánh chưng gấc", "Bánh cuốn Thanh Trì"]
    assert names(client, f"/api/v1/products?city={units['lam_dong'].id}") == ["Gốm Bát Tràng"]
    assert names(client, f"/api/v1/products?district={units['quoc_oai'].id}") == ["Ếch đồng"]
    thach_that = f"city={units['hanoi'].id}&district={units['thach_that'].id}"
    assert len(names(client, f"/api/v1/products?{thach_that}")) == 7
    url = f"/?{thach_that}&commune={units['binh_phu'].id}&stars=3&product_set=6"
    html = client.get(url).get_data(as_text=True)
    assert page_names(html) == ["Bánh chưng gấc"]
    # The form shows the chosen filters, so the shared URL reproduces the view.
    assert f'<option value="{units["binh_phu"].id}" selected>Xã Bình Phú</option>' in html
    assert '<option value="3" selected>' in html
    register["gom"].ranked_year = 2024
    db.session.commit()
    assert names(client, "/api/v1/products?year=2024") == ["Gốm Bát Tràng"]
    assert names(client, "/api/v1/products?year=2024&stars=4") == []


def test_htmx_gets_the_fragment_and_the_same_url_gives_the_full_page(register, client, units):
    url = f"/?city={units['hanoi'].id}&stars=4"
    fragment = client.get(url, htmx=True)
    full = client.get(url)
    assert "<html" not in fragment.get_data(as_text=True) and "<html" in full.get_data(as_text=True)
    assert page_names(fragment.get_data(as_text=True)) == page_names(full.get_data(as_text=True))
    assert "HX-Request" in full.headers.getlist("Vary") and "Cookie" in full.headers.getlist("Vary")
    # Choosing a city sends its districts along (out of band), so the next select can be used.
    assert 'id="place-fields" class="place-fields" hx-swap-oob="true"' in fragment.get_data(as_text=True)
    assert "Huyện Thạch Thất" in fragment.get_data(as_text=True)


@pytest.mark.parametrize("query", ["stars=2", "stars=x", "group=cars", "product_set=27", "city=abc", "year=1999",
                                   "sort=price", "after=x", "per_page=101", "page=0", "after=1&before=2"])
def test_bad_filters_are_400_with_a_message(register, client, query):
    r = client.get(f"/?{query}")
    assert r.status_code == 400 and 'role="alert"' in r.get_data(as_text=True)
    api = client.get(f"/api/v1/products?{query}")
    assert api.status_code == 400 and api.get_json()["error"]


# -- keyset pages -----------------------------------------------------------------
@pytest.mark.parametrize("sort", ["stars", "name"])
def test_keyset_pages_walk_the_whole_register_both_ways(register, client, sort):
    expected = names(client, f"/api/v1/products?sort={sort}&per_page=100")
    seen, url = [], f"/?sort={sort}&per_page=2"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += page_names(html)
        match = re.search(r'<a href="([^"]+)"[^>]*rel="next"', html)
        url = match.group(1).replace("&amp;", "&") if match else None
    assert seen == expected
    last = client.get(f"/?sort={sort}&per_page=2&last=1").get_data(as_text=True)
    assert page_names(last) == expected[-2:] and 'rel="next"' not in last
    back, url = [], f"/?sort={sort}&per_page=2&last=1"
    while url:
        html = client.get(url).get_data(as_text=True)
        back = page_names(html) + back
        match = re.search(r'<a href="([^"]+)"[^>]*rel="prev"', html)
        url = match.group(1).replace("&amp;", "&") if match else None
    assert back[-2:] == expected[-2:] and back[0] == expected[0]
    assert sorted(back) == sorted(expected)


def test_api_pages_by_number_and_by_cursor(register, client):
    first = client.get("/api/v1/products?per_page=4").get_json()
    assert (first["total"], first["pages"], first["page"], len(first["items"])) == (9, 3, 1, 4)
    cursor = client.get(first["links"]["next"]).get_json()
    numbered = client.get("/api/v1/products?per_page=4&page=2").get_json()
    assert [i["id"] for i in cursor["items"]] == [i["id"] for i in numbered["items"]]
    last = client.get("/api/v1/products?per_page=4&last=1").get_json()
    assert [i["id"] for i in last["items"]] == [i["id"] for i in first["items"] + cursor["items"]
                                                 + client.get(cursor["links"]["next"]).get_json()["items"]][-4:]


# -- certificates on every surface --------------------------------------------------
def test_expired_or_revoked_stars_never_show_as_valid(register, client):
    certify(register["gom"], signed_on=TODAY - dt.timedelta(days=30))
    certify(register["dau_phu"], signed_on=TODAY - dt.timedelta(days=1200), valid_until=TODAY - dt.timedelta(days=1))
    certify(register["dua"], revoked_on=TODAY - dt.timedelta(days=2))
    items = {i["name"]: i for i in client.get("/api/v1/products?per_page=100").get_json()["items"]}
    assert items["Gốm Bát Tràng"]["certificate_status"] == "valid"
    assert items["Gốm Bát Tràng"]["valid_until"] == (TODAY - dt.timedelta(days=30) + dt.timedelta(days=1095)).isoformat()
    assert items["Đậu phụ Mơ"]["certificate_status"] == "expired"
    assert "Dưa chuột muối" not in items  # a revoked certificate leaves the register at once (Điều 8)
    assert items["Ếch đồng"]["certificate_status"] is None and items["Ếch đồng"]["certificate_no"] is None

    listing = client.get("/?stars=4").get_data(as_text=True)
    cards = dict(re.findall(r'<h3><a href="/p/\d+">([^<]+)</a></h3>\s*<p>(.*?)</p>', listing, re.S))
    assert "aria-label=\"4 sao, không còn giá trị\"" in cards["Đậu phụ Mơ"] and "hết hiệu lực" in cards["Đậu phụ Mơ"]
    assert "Dưa chuột muối" not in cards
    assert "còn hiệu lực" not in cards["Đậu phụ Mơ"]

    page = client.get(f"/p/{register['dau_phu'].id}").get_data(as_text=True)
    assert "đã hết hiệu lực" in page and "còn hiệu lực đến" not in page and "flash-success" not in page
    assert TODAY.replace().strftime("%d/%m/%Y") != (TODAY - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    assert (TODAY - dt.timedelta(days=1)).strftime("%d/%m/%Y") in page  # dd/mm/yyyy
    assert client.get(f"/p/{register['dua'].id}").status_code == 410  # revoked: the page says so
    valid = client.get(f"/p/{register['gom'].id}").get_data(as_text=True)
    assert "Giấy chứng nhận còn hiệu lực đến ngày" in valid and "5 sao" in valid


def test_product_page_shows_every_fact_and_says_when_there_are_no_photos(register, client):
    cert = certify(register["banh_chung"], number="123/GCN-OCOP")
    html = client.get(f"/p/{register['banh_chung'].id}").get_data(as_text=True)
    for text in ("Bánh chưng Tranh Khúc", "HTX thử nghiệm 1", "Hợp tác xã", "Xã Thạch Xá, Huyện Thạch Thất",
                 "Thực phẩm", "6. ", "123/GCN-OCOP", cert.decision_no, cert.signed_on.strftime("%d/%m/%Y"),
                 cert.valid_until.strftime("%d/%m/%Y"), "Còn hiệu lực", "75,5",
                 "Danh mục chưa có hình ảnh nào của sản phẩm này.", "Chưa có mô tả được công bố."):
        assert text in html, text
    assert "<img" in html and "qr.svg" in html
    assert client.get("/p/999999").status_code == 404


def test_numbers_in_english_use_english_separators(register, client):
    client.post("/lang/en", {"next": "/"})
    html = client.get(f"/p/{register['banh_chung'].id}").get_data(as_text=True)
    assert "75.5" in html and "75,5" not in html


# -- QR code ------------------------------------------------------------------------
def _qr_for(url: str) -> str:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=4, xmldecl=False, title=url)
    return out.getvalue().decode()


def test_qr_code_encodes_the_permanent_url(app, register, client):
    product = register["gom"]
    svg = client.get(f"/p/{product.id}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    url = f"http://localhost/p/{product.id}"
    assert svg.get_data(as_text=True) == _qr_for(url)
    assert client.get(url.replace("http://localhost", "")).status_code == 200
    app.config["PUBLIC_BASE_URL"] = "https://ocop.example.gov.vn/"
    svg = client.get(f"/p/{product.id}/qr.svg?download=1")
    assert svg.get_data(as_text=True) == _qr_for(f"https://ocop.example.gov.vn/p/{product.id}")
    assert "attachment" in svg.headers["Content-Disposition"]
    assert client.get(f"/p/{register['gom'].id + 1000}/qr.svg").status_code == 404


def test_demo_product_qr_opens_its_page_and_its_certificate_checks(app, client):
    from ocop_app import demo

    demo.load()
    product = db.session.scalars(
        select(Product).join(Certificate, Certificate.product_id == Product.id).where(Product.stage == "ranked")
        .order_by(Product.id)
    ).first()
    url = f"http://localhost/p/{product.id}"
    assert client.get(f"/p/{product.id}/qr.svg").get_data(as_text=True) == _qr_for(url)
    page = client.get(f"/p/{product.id}").get_data(as_text=True)
    assert product.name in page
    cert = product.certificates[-1]
    result = client.get(f"/certificate?no={cert.number}").get_data(as_text=True)
    state = cert.status_on(TODAY).value
    assert {"valid": "Giấy chứng nhận thật, còn hiệu lực.", "expired": "Giấy chứng nhận thật nhưng đã hết hiệu lực.",
            "revoked": "Đã bị thu hồi."}[state] in result
    assert product.name in result


# -- certificate check ----------------------------------------------------------------
def test_certificate_check_says_genuine_expired_revoked_or_not_found(register, client):
    valid = certify(register["gom"], number="01/GCN-OCOP")
    expired = certify(register["dau_phu"], number="02/GCN-OCOP", signed_on=TODAY - dt.timedelta(days=1200),
                      valid_until=TODAY - dt.timedelta(days=10))
    certify(register["dua"], number="03/GCN-OCOP", revoked_on=TODAY)
    r = client.get("/certificate?no=01/GCN-OCOP")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Giấy chứng nhận thật, còn hiệu lực." in html and "Gốm Bát Tràng" in html
    assert valid.valid_until.strftime("%d/%m/%Y") in html
    assert "Giấy chứng nhận thật nhưng đã hết hiệu lực." in client.get("/certificate?no=02/gcn-ocop").get_data(
        as_text=True)
    assert expired.valid_until.strftime("%d/%m/%Y") in client.get("/certificate?no=02/GCN-OCOP").get_data(as_text=True)
    assert "Đã bị thu hồi." in client.get("/certificate?no=%2003/GCN-OCOP%20").get_data(as_text=True)
    made_up = client.get("/certificate?no=99/GCN-BIA")
    assert made_up.status_code == 404 and "Không tìm thấy." in made_up.get_data(as_text=True)
    fragment = client.get("/certificate?no=01/GCN-OCOP", htmx=True).get_data(as_text=True)
    assert "<html" not in fragment and 'id="certificate-result"' in fragment
    assert client.get("/certificate").status_code == 200


# -- open data ----------------------------------------------------------------------
def test_csv_and_json_downloads_with_filters(register, client):
    certify(register["gom"], number="01/GCN-OCOP")
    r = client.get("/open-data/ocop-products.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv" and "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 9
    gom = next(row for row in rows if row["name"] == "Gốm Bát Tràng")
    assert (gom["certificate_no"], gom["certificate_status"], gom["stars"]) == ("01/GCN-OCOP", "valid", "5")
    data = json.loads(client.get("/open-data/ocop-products.json?stars=4").get_data(as_text=True))
    assert sorted(i["name"] for i in data["items"]) == sorted(["Bánh chưng Tranh Khúc", "Dưa chuột muối",
                                                               "Dầu lạc Eva", "Ếch đồng", "Đậu phụ Mơ"])
    assert client.get("/open-data/ocop-products.csv?stars=9").status_code == 400
    page = client.get("/open-data").get_data(as_text=True)
    assert "Dữ liệu mở" in page and "certificate_status" in page and "/open-data/ocop-products.csv" in page


@pytest.mark.parametrize("url", ["/api/v1/products?stars=4", "/open-data/ocop-products.csv",
                                 "/open-data/ocop-products.json"])
def test_etag_and_last_modified_revalidate_with_304(register, client, url):
    first = client.get(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag and modified and "max-age" in first.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    # A revocation changes the answer: the old ETag no longer matches.
    certify(register["dau_phu"], revoked_on=TODAY)
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


# -- languages ------------------------------------------------------------------------
VI_LETTERS = set("ăâđêôơưĂÂĐÊÔƠƯ") | {chr(c) for c in range(0x1EA0, 0x1EFA)} | set("àáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ")


class _Text(__import__("html.parser").parser.HTMLParser):
    """Visible text and the attributes a user hears or sees (aria-label, alt, title, placeholder)."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for key, value in attrs:
            if key in ("aria-label", "alt", "title", "placeholder") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def ui_text(html: str, data: list[str]) -> str:
    parser = _Text()
    parser.feed(html)
    text = "\n".join(parser.parts)
    for value in sorted(data, key=len, reverse=True):  # data (names of products, places…) are not UI
        text = text.replace(value, "")
    return text.replace("Tiếng Việt", "")  # the language switch names its language in that language


def _data_strings(register, units):
    out = [p.name for p in register.values()] + [u.name for u in units.values()]
    out += [u.display_name for u in units.values()] + [f"HTX thử nghiệm {n}" for n in range(1, 12)]
    out += [f"{p.id}/QĐ-UBND" for p in register.values()] + [f"QĐ-{p.id}/OCOP" for p in register.values()]
    out += ["Phụ lục I", "QĐ 26/2026/QĐ-TTg"]  # the decision's own name
    from ocop_app import catalog

    out += [ps.name_vi for ps in catalog.product_sets().values()]  # the API's product_set field is Vietnamese
    return out


def _public_pages(register, units):
    return ["/", f"/?stars=4&city={units['hanoi'].id}&district={units['thach_that'].id}", "/?q=banh+chung",
            f"/p/{register['gom'].id}", f"/p/{register['dau_phu'].id}", f"/p/{register['dua'].id}",
            "/certificate?no=01/GCN-OCOP", "/certificate?no=02/GCN-OCOP", "/certificate?no=nope",
            "/certificate?no=03/GCN-OCOP", "/open-data", "/?stars=9"]


def test_english_pages_have_no_vietnamese_ui_strings(register, client, units):
    certify(register["gom"], number="01/GCN-OCOP")
    certify(register["dau_phu"], number="02/GCN-OCOP", signed_on=TODAY - dt.timedelta(days=1200),
            valid_until=TODAY - dt.timedelta(days=10))
    certify(register["dua"], number="03/GCN-OCOP", revoked_on=TODAY)
    client.post("/lang/en", {"next": "/"})
    data = _data_strings(register, units)
    for url in _public_pages(register, units):
        html = client.get(url).get_data(as_text=True)
        assert '<html lang="en">' in html
        text = ui_text(html, data)
        leftovers = [line for line in text.splitlines() if VI_LETTERS & set(line)]
        assert leftovers == [], (url, leftovers)


def test_vietnamese_pages_have_no_english_ui_strings(register, client, units):
    from pathlib import Path

    from babel.messages.pofile import read_po

    certify(register["gom"], number="01/GCN-OCOP")
    certify(register["dau_phu"], number="02/GCN-OCOP", signed_on=TODAY - dt.timedelta(days=1200),
            valid_until=TODAY - dt.timedelta(days=10))
    certify(register["dua"], number="03/GCN-OCOP", revoked_on=TODAY)
    po = Path(__file__).resolve().parent.parent / "ocop_app/translations/vi/LC_MESSAGES/messages.po"
    with po.open("rb") as fh:
        catalog = read_po(fh, locale="vi")
    english = []
    for m in catalog:
        msgid = m.id[0] if isinstance(m.id, tuple) else m.id
        msgstr = m.string[0] if isinstance(m.string, tuple) else m.string
        plain = re.sub(r"%\(\w+\)s", "", msgid or "").strip(" .:")
        if plain and msgid != msgstr and len(plain) >= 6 and " " in plain:
            english += [part.strip() for part in re.split(r"%\(\w+\)s", msgid) if len(part.strip(" .:,;")) >= 6]
    data = _data_strings(register, units)
    for url in _public_pages(register, units):
        html = client.get(url).get_data(as_text=True)
        assert '<html lang="vi">' in html
        text = ui_text(html, data)
        # whole words only: "product" (a fragment of "Confirm: create %(num)s product") is English in a
        # sentence, not inside a field name or an address such as product_set or /api/v1/products
        assert [e for e in english if re.search(rf"(?<!\w){re.escape(e)}(?!\w)", text)] == [], url


# -- a fixed number of SQL statements ---------------------------------------------------
class StatementCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._inc)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._inc)

    def _inc(self, *args):
        self.count += 1


def _statements(app, client, url) -> int:
    with StatementCounter(db.engine) as counter:
        assert client.get(url).status_code == 200, url
    return counter.count


def test_pages_use_a_fixed_number_of_statements(app, client, make_product, units):
    def grow(n):
        for i in range(n):
            p = make_product(*RANKED, stars=3 + i % 3, score=60, name=f"Bánh {i:03d}", product_set_no=6,
                             commune_key=("thach_xa", "binh_phu", "sai_son")[i % 3])
            certify(p)

    grow(6)
    first = db.session.scalar(select(Product.id).order_by(Product.id))
    pages = ["/", "/?q=banh", f"/?stars=4&city={units['hanoi'].id}&district={units['thach_that'].id}",
             "/?last=1", f"/p/{first}", "/api/v1/products", "/certificate?no=QĐ-1/OCOP"]
    client.get("/")  # warm-up (first request of the app)
    small = {url: _statements(app, client, url) for url in pages}
    grow(60)
    large = {url: _statements(app, client, url) for url in pages}
    assert small == large
    assert small["/"] <= 6 and small[f"/p/{first}"] <= 3, small
    assert Decimal(small["/"]) > 0


def test_star_order_column_is_kept_by_the_database_and_stale_cursors_restart(register, client):
    from sqlalchemy import update

    product = register["nem"] if "nem" in register else register["banh_cuon"]
    db.session.execute(update(Product).where(Product.id == product.id).values(stars=5))  # no ORM events
    db.session.commit()
    assert db.session.scalar(select(Product.stars_desc).where(Product.id == product.id)) == -5
    assert names(client, "/api/v1/products?stars=5&sort=name") == ["Bánh cuốn Thanh Trì", "Gốm Bát Tràng"]
    # A shared link whose anchor product is gone starts again from the first page.
    assert names(client, "/api/v1/products?after=999999&per_page=3") == names(client, "/api/v1/products?per_page=3")
