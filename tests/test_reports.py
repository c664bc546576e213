"""Reports: Excel import (preview, confirm, idempotent), exports, PDF documents, the dashboard."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess

import pytest
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from ocop_app import demo
from ocop_app.extensions import db
from ocop_app.models import Certificate, ImportBatch, Product, StageEvent
from ocop_app.reports.xlsx import HEADER_ROW, read_rows
from ocop_app.workflow import Level, Role, Stage, Status

RANKED = (Stage.RANKED, Status.APPROVED, Level.CITY)
HEADERS = ["STT", "Tên sản phẩm", "Chủ thể", "Loại hình chủ thể", "Xã", "Bộ sản phẩm", "Liên hệ"]


def _xlsx(rows, title="DANH SÁCH ĐĂNG KÝ SẢN PHẨM OCOP NĂM 2026") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append([title])
    ws.append([])
    ws.append(HEADERS)
    for n, row in enumerate(rows, start=1):
        ws.append([n, *row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _good_rows(n: int, prefix: str = "Sản phẩm"):
    communes = ["Thạch Xá", "Xã Bình Phú"]
    types = ["Hợp tác xã", "Hộ kinh doanh", "Doanh nghiệp", "HTX", ""]
    return [[f"{prefix} số {i}", f"Chủ thể {i % 37}", types[i % 5], communes[i % 2], str(1 + i % 26), f"09{i:08d}"]
            for i in range(n)]


def _fresh(stmt):
    db.session.rollback()  # see what the requests (other threads) committed
    return db.session.scalars(stmt)


def _count(model, *where) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _upload(client, data: bytes, name="dang-ky.xlsx", htmx=False):
    return client.post("/staff/reports/import", {"file": (io.BytesIO(data), name)}, htmx=htmx,
                       content_type="multipart/form-data")


def test_import_200_rows_with_5_bad_previews_confirms_and_is_idempotent(client, make_user, make_product):
    existing = make_product(name="Chè búp Thạch Xá")
    rows = _good_rows(195)
    bad = [
        ["Miến dong", "HTX Miến", "Hợp tác xã", "Xã Không Có", "2", ""],             # unknown commune
        ["Mật ong rừng", "", "Hộ kinh doanh", "Thạch Xá", "6", ""],                  # missing producer
        [existing.name, existing.producer.name, "Hợp tác xã", "Thạch Xá", "7", ""],  # duplicate of a product
        ["Nón lá", "Hộ Nguyễn Văn B", "Hộ kinh doanh", "Bình Phú", "99", ""],        # unknown product set
        ["Bánh tẻ", "Hộ Trần C", "Hội phụ nữ", "Bình Phú", "1", ""],                  # unknown producer type
    ]
    for i, row in enumerate(bad):
        rows.insert(20 + 30 * i, row)
    data = _xlsx(rows)
    client.login(make_user(Role.DISTRICT_STAFF))
    products_before, events_before = _count(Product), _count(StageEvent)

    response = _upload(client, data)
    assert response.status_code == 303
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert _count(Product) == products_before and _count(StageEvent) == events_before  # nothing written yet
    assert "195 sẽ được tạo" in preview and "5 có lỗi (bỏ qua)" in preview
    bad_rows = re.findall(r'<tr class="row-bad">(.*?)</tr>', preview, re.S)
    assert len(bad_rows) == 5
    reasons = " ".join(bad_rows)
    for reason in ("Không tìm thấy xã “Xã Không Có”", "Thiếu chủ thể", "Trùng với sản phẩm đã có (mã số "
                   f"{existing.id})", "Không rõ bộ sản phẩm “99”", "Không rõ loại hình chủ thể “Hội phụ nữ”"):
        assert reason in reasons
    token = _fresh(select(ImportBatch.token)).one()
    assert token not in client.raw.get_cookie("session").value  # kept server-side, not in the cookie

    done = client.post(f"/staff/reports/import/{token}/run")
    assert done.status_code == 303
    assert _count(Product) == products_before + 195
    created = _fresh(select(Product).where(Product.name == "Sản phẩm số 8")).one()
    assert (created.stage, created.status, created.level) == ("registered", "draft", "commune")
    assert created.commune.name == "Thạch Xá" and created.producer.contact == "0900000008"
    assert created.producer.type == "cooperative" and created.product_set_no == 9  # "HTX", set "9"
    assert _count(StageEvent, StageEvent.action == "create") == products_before + 195  # one per product
    assert "195 sản phẩm được tạo" in client.get(done.headers["Location"]).get_data(as_text=True)

    # Confirming again, or importing the same file again, adds nothing.
    client.post(f"/staff/reports/import/{token}/run")
    again = _upload(client, data)
    preview = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "0 sẽ được tạo" in preview and "Xác nhận" not in preview
    token2 = _fresh(select(ImportBatch.token).where(ImportBatch.token != token)).one()
    client.post(f"/staff/reports/import/{token2}/run")
    assert _count(Product) == products_before + 195


def test_import_runs_in_chunks_with_progress_over_htmx(client, make_user):
    client.login(make_user(Role.COMMUNE_STAFF))
    rows = [[f"Sản phẩm {i}", f"Hộ {i}", "Hộ kinh doanh", "", "7", ""] for i in range(450)]  # blank commune → own
    response = _upload(client, _xlsx(rows))
    token = _fresh(select(ImportBatch.token)).one()
    first = client.post(f"/staff/reports/import/{token}/run", htmx=True)
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and page.startswith('<section id="import-panel"')
    assert '<progress id="import-progress" max="450" value="200">' in page and 'hx-trigger="load' in page
    assert _count(Product) == 200
    client.post(f"/staff/reports/import/{token}/run", htmx=True)
    last = client.post(f"/staff/reports/import/{token}/run", htmx=True).get_data(as_text=True)
    assert "450 sản phẩm được tạo" in last and "hx-trigger" not in last
    assert _count(Product, Product.commune_id.isnot(None)) == 450
    assert response.status_code == 303


def test_import_csv_and_bad_files(client, new_client, make_user):
    client.login(make_user(Role.DISTRICT_STAFF))
    csv_text = "Tên sản phẩm;Chủ thể;Loại hình chủ thể;Xã;Bộ sản phẩm;Liên hệ\nGạo nếp cái hoa vàng;HTX Bình Phú;HTX;Bình Phú;Gạo, ngũ cốc, hạt;\n"
    ok = _upload(client, csv_text.encode("utf-8-sig"), "ds.csv")
    assert ok.status_code == 303
    assert "1 sẽ được tạo" in client.get(ok.headers["Location"]).get_data(as_text=True)

    not_excel = _upload(client, b"not a workbook", "ds.xlsx")
    assert not_excel.status_code == 422 and "không đọc được" in not_excel.get_data(as_text=True)
    no_header = _upload(client, _xlsx([["a", "b"]], title="x").replace(b"", b""), "ds.pdf")
    assert no_header.status_code == 422
    missing = _upload(client, "Tên sản phẩm,Chủ thể\nA,B\n".encode(), "ds.csv")
    assert missing.status_code == 422 and "Xã" in missing.get_data(as_text=True)
    htmx = _upload(client, b"x", "ds.xlsx", htmx=True)
    assert htmx.status_code == 422 and htmx.get_data(as_text=True).lstrip().startswith('<form id="import-form"')

    token = _fresh(select(ImportBatch.token)).first()
    stranger = new_client()
    stranger.login(make_user(Role.DISTRICT_STAFF))
    assert stranger.get(f"/staff/reports/import/{token}").status_code == 404
    assert stranger.post(f"/staff/reports/import/{token}/run").status_code == 404
    assert _count(Product) == 0


def test_staff_export_has_the_rows_of_the_filtered_page(client, make_user, make_product, units):
    for i in range(30):
        make_product(Stage.TRAINED if i % 3 else Stage.REGISTERED, Status.AWAITING, Level.DISTRICT,
                     commune_key="binh_phu" if i % 2 else "thach_xa", name=f"Đậu phụ {i}")
    client.login(make_user(Role.DISTRICT_APPROVER))
    query = f"stage=trained&commune={units['binh_phu'].id}"
    names = set()
    page_no = 1
    while True:
        page = client.get(f"/staff/products?{query}&page={page_no}").get_data(as_text=True)
        names |= set(re.findall(r'/staff/products/\d+">([^<]+)</a>', page))
        if 'rel="next"' not in page:
            break
        page_no += 1
    assert f'href="/staff/reports/products.xlsx?stage=trained&amp;commune={units["binh_phu"].id}"' in page
    response = client.get(f"/staff/reports/products.xlsx?{query}")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    headers, rows = read_rows(response.data)
    assert headers[:3] == ["Mã", "Sản phẩm", "Chủ thể"]
    assert {r[1] for r in rows} == names and len(rows) == 10
    ws = load_workbook(io.BytesIO(response.data)).active
    date_cell = ws.cell(row=HEADER_ROW + 1, column=headers.index("Thay đổi lần cuối") + 1)
    assert date_cell.number_format == "dd/mm/yyyy" and isinstance(date_cell.value, dt.datetime)


def test_public_register_export_matches_the_page(client, make_product):
    make_product(*RANKED, stars=5, score=91, name="Gốm Bát Tràng")
    make_product(*RANKED, stars=4, score=75, name="Đậu phụ Mơ")
    make_product(*RANKED, stars=2, score=40, name="Kẹo lạc hai sao")
    headers, rows = read_rows(client.get("/register.xlsx?stars=4").data)
    assert [r[1] for r in rows] == ["Đậu phụ Mơ"] and rows[0][0] == 1 and "Hạng sao" in headers
    headers, rows = read_rows(client.get("/register.xlsx").data)
    assert sorted(r[1] for r in rows) == ["Gốm Bát Tràng", "Đậu phụ Mơ"]
    assert client.get("/register.xlsx?stars=9").status_code == 400


def _pdf_text(data: bytes) -> str:
    """The PDF's text with line breaks and runs of spaces made single spaces."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def _renders_as_image(data: bytes, tmp_path) -> None:
    (tmp_path / "doc.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(tmp_path / "doc.pdf"),
                    str(tmp_path / "page")], check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 2000


@pytest.fixture
def certified(make_product):
    product = make_product(*RANKED, stars=4, score=82, name="Bánh chưng Tranh Khúc", product_set_no=7)
    other = make_product(*RANKED, stars=3, score=60, name="Trà hoa vàng", commune_key="hiep_an")
    for n, p in enumerate((product, other), start=1):
        db.session.add(Certificate(product_id=p.id, number=f"GCN-{n}", decision_no="Quyết định số 1234/QĐ-UBND",
                                   signed_on=dt.date(2026, 3, 15), valid_until=dt.date(2029, 3, 15), stars=p.stars,
                                   issued_by="city", rule_set_code="qd148-2023"))
    db.session.commit()
    return product, other


def test_certificate_pdf_with_qr_and_vietnamese_text(client, make_user, certified, tmp_path):
    product, other = certified
    client.login(make_user(Role.DISTRICT_STAFF))
    cert_id = _fresh(select(Certificate.id).where(Certificate.product_id == product.id)).one()
    detail = client.get(f"/staff/products/{product.id}").get_data(as_text=True)
    assert f"/staff/reports/certificates/{cert_id}.pdf" in detail
    response = client.get(f"/staff/reports/certificates/{cert_id}.pdf")
    assert response.mimetype == "application/pdf"
    text = _pdf_text(response.data)
    for expected in ("GIẤY CHỨNG NHẬN", "Bánh chưng Tranh Khúc", "Đạt hạng 4 sao", "Quyết định số 1234/QĐ-UBND",
                     "từ ngày 15/03/2026 đến ngày 15/03/2029", "Xã Thạch Xá", "Tra cứu",
                     "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"):
        assert expected in text
    assert f"http://localhost/p/{product.id}" in text.replace(" ", "")  # the QR code's address, absolute
    assert b"/Subtype /Image" in response.data or b"/Subtype/Image" in response.data  # the QR code
    _renders_as_image(response.data, tmp_path)
    other_id = _fresh(select(Certificate.id).where(Certificate.product_id == other.id)).one()
    assert client.get(f"/staff/reports/certificates/{other_id}.pdf").status_code == 404  # out of scope


def test_decision_annex_pdf_and_xlsx(client, make_user, certified, tmp_path):
    client.login(make_user(Role.CITY_STAFF))
    docs = client.get("/staff/reports/documents").get_data(as_text=True)
    assert "Quyết định số 1234/QĐ-UBND" in docs
    response = client.get("/staff/reports/annex.pdf", query_string={"decision": "Quyết định số 1234/QĐ-UBND"})
    text = _pdf_text(response.data)
    assert "DANH SÁCH SẢN PHẨM ĐƯỢC CÔNG NHẬN ĐẠT SAO OCOP" in text.upper()
    assert "Bánh chưng Tranh Khúc" in text and "Trà hoa vàng" not in text  # Lâm Đồng is not Hà Nội's
    _renders_as_image(response.data, tmp_path)
    headers, rows = read_rows(client.get("/staff/reports/annex.xlsx",
                                         query_string={"decision": "Quyết định số 1234/QĐ-UBND"}).data)
    assert [r[1] for r in rows] == ["Bánh chưng Tranh Khúc"]
    assert client.get("/staff/reports/annex.pdf?decision=nope").status_code == 404


def test_quarterly_report_pdf(client, make_user, make_product):
    make_product(Stage.TRAINED, Status.AWAITING, Level.DISTRICT)
    client.login(make_user(Role.DISTRICT_APPROVER))
    today = dt.date.today()
    response = client.get(f"/staff/reports/quarterly.pdf?year={today.year}&quarter={(today.month - 1) // 3 + 1}")
    text = _pdf_text(response.data)
    assert "BÁO CÁO TIẾN ĐỘ THỰC HIỆN CHƯƠNG TRÌNH OCOP" in text.upper()
    assert "Đăng ký sản phẩm mới" in text and "Huyện Thạch Thất".upper() in text.upper()
    assert client.get("/staff/reports/quarterly.pdf?year=2026&quarter=7").status_code == 400


def test_dashboard_of_the_demo_data_in_both_languages(client):
    demo.load()
    client.login("tp.canbo", "ocop-demo")
    page = client.get("/staff/reports/").get_data(as_text=True)
    assert page.count("<svg") == 4 and page.count("<caption>") == 5
    assert "Số sản phẩm theo giai đoạn và trạng thái" in page and "Hạng sao đạt được theo năm" in page
    stage_table = re.search(r"<caption>Số sản phẩm theo giai đoạn và trạng thái</caption>(.*?)</table>", page, re.S)
    totals = [int(x) for x in re.findall(r'<td class="num">(\d+)</td></tr>', stage_table.group(1))]
    in_scope = _count(Product, Product.city_id == _fresh(
        select(Product.city_id).where(Product.name == "Khoai tây Hương Ngải")).one())
    assert sum(totals) == in_scope
    client.post("/lang/en", {"next": "/staff/reports/"})
    english = client.get("/staff/reports/").get_data(as_text=True)
    assert '<html lang="en">' in english and "Stars obtained per year" in english and english.count("<svg") == 4


def test_waiting_days_come_from_the_event_log(app, make_user, make_product):
    from ocop_app.reports import dashboard

    make_product(Stage.REGISTERED, Status.AWAITING, Level.COMMUNE)
    make_product(Stage.TRAINED, Status.AWAITING, Level.DISTRICT)
    make_product(Stage.UPGRADED, Status.RETURNED, Level.DISTRICT)
    make_product(*RANKED, stars=4)  # ranked: not waiting
    user = make_user(Role.DISTRICT_APPROVER)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=10, hours=1)
    with app.test_request_context():
        waiting = {level.value: rest for level, *rest in dashboard.summary(user, now=later)["waiting"]}
    assert waiting == {"commune": [1, 10, 10], "district": [2, 10.0, 10], "city": [0, None, None]}


def test_commune_officer_imports_only_into_their_commune(client, make_user):
    client.login(make_user(Role.COMMUNE_STAFF))  # Thạch Xá
    csv_text = ("Tên sản phẩm,Chủ thể,Loại hình chủ thể,Xã,Bộ sản phẩm,Liên hệ\n"
                "Bún,Hộ A,Hộ kinh doanh,Thạch Xá,6,\nĐậu phụ,Hộ B,Hộ kinh doanh,Bình Phú,8,\n")
    response = _upload(client, csv_text.encode(), "ds.csv")
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 sẽ được tạo" in preview and "Không tìm thấy xã “Bình Phú” (không thuộc địa bàn của bạn)" in preview
    token = _fresh(select(ImportBatch.token)).one()
    client.post(f"/staff/reports/import/{token}/run")
    assert [p.commune.name for p in _fresh(select(Product))] == ["Thạch Xá"]
