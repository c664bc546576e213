"""The dossier, the upgrade plan and safe files (issue 4)."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from conftest import TINY_PDF, in_own_context, snapshot
from ocop_app.dossier import checklist
from ocop_app.dossier.fields import parse_vnd
from ocop_app.extensions import db
from ocop_app.models import DossierItem, StoredFile, UpgradeAction
from ocop_app.products.operations import local_today
from ocop_app.workflow import Level, Role, Stage, Status

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def _count(model):
    db.session.rollback()
    n = db.session.scalar(select(func.count()).select_from(model))
    db.session.rollback()
    return n


def _upload(client, product_id, code, data, name, **fields):
    """Post the upload form as a browser would (the body encoded in memory)."""
    form = {"csrf_token": client.token(), "code": code, "issued_on": "", "expires_on": "", "note": "", **fields,
            "file": FileStorage(io.BytesIO(data), filename=name, content_type="application/octet-stream")}
    boundary, body = encode_multipart(form)
    return in_own_context(client.raw.post, f"/staff/dossier/products/{product_id}/files", data=body,
                          content_type=f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def district(make_user, new_client):
    """Logged-in district officer and approver clients."""
    canbo, duyet = make_user(Role.DISTRICT_STAFF), make_user(Role.DISTRICT_APPROVER)
    a, b = new_client(), new_client()
    a.login(canbo)
    b.login(duyet)
    return a, b, canbo


def _send(client, product_id):
    return client.post(f"/staff/products/{product_id}/actions/send_to_evaluation",
                       {"version": str(snapshot(product_id)[5])})


def _finished_plan(client, product_id):
    r = client.post(f"/staff/dossier/products/{product_id}/plan", {
        "kind": "label_design", "description": "Nhãn mới", "status": "done", "cost": "1.500.000",
        "funding": "state", "starts_on": "01/02/2026", "ends_on": "01/03/2026"})
    assert r.status_code == 303, r.get_data(as_text=True)[:800]


def test_upgrade_plan_in_progress_blocks_sign_off_and_dropping_needs_reason(district, make_product):
    canbo_c, duyet_c, canbo = district
    product = make_product(Stage.UPGRADED, Status.AWAITING, Level.DISTRICT, last_actor=canbo)
    r = canbo_c.post(f"/staff/dossier/products/{product.id}/plan", {
        "kind": "trademark", "description": "", "status": "in_progress", "cost": "1.500.000",
        "funding": "state", "starts_on": "01/02/2026", "ends_on": ""})
    assert r.status_code == 303
    _finished_plan(canbo_c, product.id)
    db.session.rollback()
    actions = db.session.scalars(select(UpgradeAction).order_by(UpgradeAction.id)).all()
    assert [a.cost_vnd for a in actions] == [1_500_000, 1_500_000]
    db.session.rollback()

    before = snapshot(product.id)
    r = _send(duyet_c, product.id)
    assert r.status_code == 403
    assert "Phương án nâng cấp chưa hoàn thành: Đăng ký nhãn hiệu: Đang thực hiện" in r.get_data(as_text=True)
    assert snapshot(product.id) == before
    page = duyet_c.get(f"/staff/products/{product.id}").get_data(as_text=True)
    assert "Đăng ký nhãn hiệu: Đang thực hiện" in page and 'disabled aria-describedby="why-send_to_evaluation"' in page

    # Dropping without a reason is refused, and what was typed is kept.
    url = f"/staff/dossier/products/{product.id}/plan/{actions[0].id}"
    r = canbo_c.post(url, {"kind": "trademark", "description": "Nhãn hiệu tập thể", "status": "dropped",
                           "drop_reason": "", "cost": "2500000", "funding": "own", "starts_on": "", "ends_on": ""})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Hãy nêu lý do không thực hiện." in html
    assert 'value="Nhãn hiệu tập thể"' in html and 'value="2500000"' in html
    r = canbo_c.post(url, {"kind": "trademark", "description": "Nhãn hiệu tập thể", "status": "dropped",
                           "drop_reason": "Chủ thể đã có nhãn hiệu", "cost": "2500000", "funding": "own",
                           "starts_on": "", "ends_on": ""})
    assert r.status_code == 303
    assert "Phương án nâng cấp" not in _send(duyet_c, product.id).get_data(as_text=True)  # now the dossier blocks


def test_money_and_dates_the_vietnamese_way(district, make_product):
    canbo_c, _d, _u = district
    assert parse_vnd("1.500.000") == parse_vnd("1500000") == parse_vnd("1 500 000 đ") == 1_500_000
    with pytest.raises(ValueError):
        parse_vnd("1,5")
    product = make_product(Stage.TRAINED, Status.APPROVED, Level.DISTRICT)
    r = canbo_c.post(f"/staff/dossier/products/{product.id}/plan", {
        "kind": "equipment", "status": "planned", "cost": "1.5 triệu", "starts_on": "2026-13-01"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "ví dụ 1.500.000" in html and "dd/mm/yyyy" in html
    assert 'value="1.5 triệu"' in html
    assert _count(UpgradeAction) == 0


def _complete_food_dossier(client, product_id, skip=(), expiry="31/12/2030"):
    for kind, required in checklist.checklist_for("food"):
        if required and kind.code not in skip:
            extra = {"issued_on": "01/01/2024", "expires_on": expiry} if kind.code == "food_safety_certificate" else {}
            r = _upload(client, product_id, kind.code, TINY_PDF, f"{kind.code}.pdf", **extra)
            assert r.status_code == 303, r.get_data(as_text=True)[:800]


def test_food_product_without_lab_report_or_with_expiring_certificate_cannot_be_sent(district, make_product):
    canbo_c, duyet_c, canbo = district
    product = make_product(Stage.UPGRADED, Status.AWAITING, Level.DISTRICT, last_actor=canbo, product_set_no=6)
    _finished_plan(canbo_c, product.id)
    planned = local_today() + dt.timedelta(days=60)
    r = canbo_c.post(f"/staff/dossier/products/{product.id}/planned-date",
                     {"planned_evaluation_on": planned.strftime("%d/%m/%Y")})
    assert r.status_code == 303
    _complete_food_dossier(canbo_c, product.id, skip={"lab_test_report"})

    before = snapshot(product.id)
    r = _send(duyet_c, product.id)
    assert r.status_code == 403 and "Phiếu kết quả kiểm nghiệm: Còn thiếu" in r.get_data(as_text=True)
    assert snapshot(product.id) == before
    page = duyet_c.get(f"/staff/dossier/products/{product.id}").get_data(as_text=True)
    blockers = re.search(r'class="blockers".*?</div>', page, re.S).group(0)
    assert "Phiếu kết quả kiểm nghiệm: Còn thiếu" in blockers
    assert blockers.count("<li>") == 1  # exactly the missing item

    # With the lab report, but the food-safety certificate expiring before the planned date.
    assert _upload(canbo_c, product.id, "lab_test_report", TINY_PDF, "Phiếu kiểm nghiệm.pdf").status_code == 303
    expires = planned - dt.timedelta(days=1)
    db.session.rollback()
    item = db.session.scalars(select(DossierItem).where(DossierItem.code == "food_safety_certificate")).one()
    db.session.rollback()
    r = canbo_c.post(f"/staff/dossier/products/{product.id}/items/{item.id}/dates",
                     {"issued_on": "01/01/2024", "expires_on": expires.strftime("%d/%m/%Y")})
    assert r.status_code == 303
    r = _send(duyet_c, product.id)
    message = (f"Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm: Hết hạn ngày {expires:%d/%m/%Y}, "
               f"trước ngày dự kiến đánh giá {planned:%d/%m/%Y}")
    assert r.status_code == 403 and message in r.get_data(as_text=True)
    page = duyet_c.get(f"/staff/dossier/products/{product.id}").get_data(as_text=True)
    assert message in page

    # Renewed: now it can go.
    r = canbo_c.post(f"/staff/dossier/products/{product.id}/items/{item.id}/dates",
                     {"issued_on": "01/01/2026", "expires_on": "01/01/2029"})
    assert r.status_code == 303
    # An optional paper out of date is flagged on the page but does not block.
    assert _upload(canbo_c, product.id, "quality_system_certificates", TINY_PDF, "VietGAP cũ.pdf",
                   issued_on="01/01/2020", expires_on="01/01/2023").status_code == 303
    page = duyet_c.get(f"/staff/dossier/products/{product.id}").get_data(as_text=True)
    assert 'class="blockers"' not in page and "Hết hạn ngày 01/01/2023" in page
    assert _send(duyet_c, product.id).status_code == 303
    assert snapshot(product.id)[:3] == ("upgraded", "approved", "district")

    # What was checked is what the council sees: the dossier and the plan are now closed.
    page = canbo_c.get(f"/staff/dossier/products/{product.id}").get_data(as_text=True)
    assert "Đã chuyển đánh giá" in page and 'class="upload"' not in page
    r = _upload(canbo_c, product.id, "ip_papers", TINY_PDF, "nhãn hiệu.pdf")
    assert r.status_code == 403 and "không thể thay đổi" in r.get_data(as_text=True)
    assert canbo_c.post(f"/staff/dossier/products/{product.id}/items/{item.id}/dates",
                        {"issued_on": "", "expires_on": "01/01/2020"}).status_code == 403
    assert canbo_c.post(f"/staff/dossier/products/{product.id}/plan",
                        {"kind": "other", "status": "planned", "description": "x"}).status_code == 403


def test_handicraft_needs_no_food_safety_papers(district, make_product):
    canbo_c, duyet_c, canbo = district
    product = make_product(Stage.UPGRADED, Status.AWAITING, Level.DISTRICT, last_actor=canbo, product_set_no=21)
    _finished_plan(canbo_c, product.id)
    canbo_c.post(f"/staff/dossier/products/{product.id}/planned-date", {"planned_evaluation_on": "01/06/2099"})
    r = _send(duyet_c, product.id)
    text = r.get_data(as_text=True)
    assert r.status_code == 403 and "Phiếu đăng ký sản phẩm (mẫu 01): Còn thiếu" in text
    assert "kiểm nghiệm" not in text and "an toàn thực phẩm" not in text


def test_vietnamese_file_name_kept_on_download(district, make_product, app):
    canbo_c, duyet_c, _u = district
    product = make_product(Stage.UPGRADED, Status.AWAITING, Level.DISTRICT)
    r = _upload(canbo_c, product.id, "food_safety_certificate", TINY_PDF, "Giấy chứng nhận ATTP.pdf",
                issued_on="05/03/2025", expires_on="05/03/2028")
    assert r.status_code == 303
    db.session.rollback()
    stored = db.session.scalars(select(StoredFile)).one()
    db.session.rollback()
    assert stored.original_name == "Giấy chứng nhận ATTP.pdf"
    on_disk = Path(app.config["UPLOAD_FOLDER"]) / stored.stored_name
    assert on_disk.read_bytes() == TINY_PDF and "ATTP" not in stored.stored_name
    assert not (Path(app.static_folder) / stored.stored_name).exists()

    page = duyet_c.get(f"/staff/dossier/products/{product.id}").get_data(as_text=True)
    assert "Giấy chứng nhận ATTP.pdf" in page and "05/03/2028" in page
    r = duyet_c.get(f"/staff/dossier/files/{stored.id}")
    assert r.status_code == 200 and r.data == TINY_PDF
    r.close()
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('Giấy chứng nhận ATTP.pdf')}" in disposition
    assert r.headers["Content-Type"] == "application/pdf"


def test_bad_files_are_refused_and_the_form_keeps_what_was_typed(district, make_product, app):
    canbo_c, _d, _u = district
    product = make_product(Stage.UPGRADED, Status.AWAITING, Level.DISTRICT)
    typed = {"issued_on": "05/03/2025", "expires_on": "05/03/2028", "note": "Bản sao công chứng"}

    def refused(data, name, message):
        r = _upload(canbo_c, product.id, "food_safety_certificate", data, name, **typed)
        html = r.get_data(as_text=True)
        assert r.status_code == 422, html[:500]
        assert message in html
        assert 'value="05/03/2025"' in html and 'value="05/03/2028"' in html and 'value="Bản sao công chứng"' in html
        assert re.search(r'<option selected value="food_safety_certificate">', html)

    refused(b"<!doctype html><html><body>fake</body></html>", "Giấy chứng nhận.pdf",
            "Nội dung của “Giấy chứng nhận.pdf” không phải là tệp PDF thật")
    refused(b"%PDF-1.4\n" + b"0" * (25 * 1024 * 1024), "to.pdf", "Tệp lớn hơn 20 MB")
    refused(TINY_PDF, "../../x.pdf", "Tên tệp không hợp lệ")
    refused(b"MZ\x90\x00", "virus.exe", "Chỉ nhận tệp PDF, JPEG, PNG, DOCX và XLSX")
    refused(TINY_PDF, "anh.png", "không phải là tệp PNG thật")
    refused(b"PK\x03\x04not really a zip", "bao-cao.docx", "không phải là tệp DOCX thật")
    assert _count(StoredFile) == 0 and _count(DossierItem) == 0
    assert not any(Path(app.config["UPLOAD_FOLDER"]).glob("*")) if Path(app.config["UPLOAD_FOLDER"]).exists() else True
    assert not (Path(app.config["UPLOAD_FOLDER"]).parent / "x.pdf").exists()

    # Genuine JPEG, XLSX and DOCX-like content pass.
    wb = Workbook()
    buf = io.BytesIO()
    wb.save(buf)
    assert _upload(canbo_c, product.id, "label_photos", JPEG, "nhãn.jpg").status_code == 303
    assert _upload(canbo_c, product.id, "raw_material_contracts", buf.getvalue(), "hợp đồng.xlsx").status_code == 303
    refused_xlsx_as_docx = _upload(canbo_c, product.id, "raw_material_contracts", buf.getvalue(), "hợp đồng.docx")
    assert refused_xlsx_as_docx.status_code == 422


def test_request_over_the_body_limit_gets_a_friendly_413(district, make_product, app):
    canbo_c, _d, _u = district
    product = make_product(Stage.UPGRADED, Status.AWAITING, Level.DISTRICT)
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    r = _upload(canbo_c, product.id, "label_photos", b"%PDF" + b"0" * (2 * 1024 * 1024), "to.pdf")
    assert r.status_code == 413 and "tối đa 20 MB" in r.get_data(as_text=True)


def test_other_commune_gets_404_on_the_files(district, make_product, make_user, new_client):
    canbo_c, _d, _u = district
    product = make_product(Stage.UPGRADED, Status.AWAITING, Level.DISTRICT)  # in Thạch Xá
    assert _upload(canbo_c, product.id, "registration_form", TINY_PDF, "mẫu 01.pdf").status_code == 303
    db.session.rollback()
    file_id = db.session.scalars(select(StoredFile.id)).one()
    db.session.rollback()

    own = new_client()
    own.login(make_user(Role.COMMUNE_STAFF, "thach_xa"))
    r = own.get(f"/staff/dossier/files/{file_id}")
    assert r.status_code == 200 and r.data == TINY_PDF
    r.close()
    other = new_client()
    other.login(make_user(Role.COMMUNE_STAFF, "binh_phu"))
    assert other.get(f"/staff/dossier/files/{file_id}").status_code == 404
    assert other.get(f"/staff/dossier/products/{product.id}").status_code == 404
    assert _upload(other, product.id, "registration_form", TINY_PDF, "x.pdf").status_code == 404
    other_district = new_client()
    other_district.login(make_user(Role.DISTRICT_STAFF, "quoc_oai"))
    assert other_district.get(f"/staff/dossier/files/{file_id}").status_code == 404
    assert new_client().get(f"/staff/dossier/files/{file_id}").status_code == 302  # not logged in


def test_product_page_links_to_dossier_plan_and_self_assessment(district, make_product):
    _c, duyet_c, _u = district
    product = make_product(Stage.UPGRADED, Status.AWAITING, Level.DISTRICT)
    page = duyet_c.get(f"/staff/products/{product.id}").get_data(as_text=True)
    for url in (f"/staff/dossier/products/{product.id}", f"/staff/dossier/products/{product.id}/plan",
                f"/staff/dossier/products/{product.id}/self-assessment"):
        assert f'href="{url}"' in page
        assert duyet_c.get(url).status_code == 200


def test_a_wrong_file_can_be_removed(district, make_product, app, make_user, new_client):
    canbo_c, _d, _u = district
    product = make_product(Stage.UPGRADED, Status.AWAITING, Level.DISTRICT)
    assert _upload(canbo_c, product.id, "label_photos", JPEG, "nhầm.jpg").status_code == 303
    db.session.rollback()
    row = db.session.scalars(select(StoredFile)).one()
    db.session.rollback()
    path = Path(app.config["UPLOAD_FOLDER"]) / row.stored_name
    assert path.exists()
    other = new_client()
    other.login(make_user(Role.COMMUNE_STAFF, "binh_phu"))
    assert other.post(f"/staff/dossier/products/{product.id}/files/{row.id}/delete").status_code == 404
    page = canbo_c.get(f"/staff/dossier/products/{product.id}").get_data(as_text=True)
    assert f"/staff/dossier/products/{product.id}/files/{row.id}/delete" in page and "Đổi ngày" in page
    r = canbo_c.post(f"/staff/dossier/products/{product.id}/files/{row.id}/delete")
    assert r.status_code == 303 and _count(StoredFile) == 0 and not path.exists()


def test_without_its_own_date_the_product_is_checked_against_its_districts_next_round(district, make_product):
    """No per-product planned date: the first day of the district's next open evaluation round is the
    date the dossier's expiry dates are checked against — and, once the product is in a round, that round's."""
    from ocop_app.models import EvaluationRound, RoundProduct
    from evaluation_support import add_product

    canbo_c, duyet_c, canbo = district
    product = make_product(Stage.UPGRADED, Status.AWAITING, Level.DISTRICT, last_actor=canbo, product_set_no=6)
    _finished_plan(canbo_c, product.id)
    starts = local_today() + dt.timedelta(days=30)
    _complete_food_dossier(canbo_c, product.id, expiry=(starts - dt.timedelta(days=1)).strftime("%d/%m/%Y"))
    r = _send(duyet_c, product.id)
    assert r.status_code == 403 and "Chưa có ngày dự kiến đánh giá" in r.get_data(as_text=True)

    # A round that has already ended does not count; the next one (starting in 30 days) does.
    def new_round(name, first, last):
        r = canbo_c.post("/staff/evaluation/rounds/new", {
            "name": name, "starts_on": first.strftime("%d/%m/%Y"), "ends_on": last.strftime("%d/%m/%Y"),
            "rule_set_code": "qd148-2023"})
        assert r.status_code == 303, r.get_data(as_text=True)[:500]
        return int(re.search(r"/rounds/(\d+)", r.headers["Location"]).group(1))

    new_round("Đợt đã qua", local_today() - dt.timedelta(days=60), local_today() - dt.timedelta(days=31))
    round_id = new_round("Đợt cuối năm", starts, starts + dt.timedelta(days=10))
    page = duyet_c.get(f"/staff/dossier/products/{product.id}").get_data(as_text=True)
    assert f"<strong>{starts:%d/%m/%Y}</strong> (ngày đầu của đợt đánh giá)" in page
    expires = starts - dt.timedelta(days=1)
    message = (f"Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm: Hết hạn ngày {expires:%d/%m/%Y}, "
               f"trước ngày dự kiến đánh giá {starts:%d/%m/%Y}")
    r = _send(duyet_c, product.id)
    assert r.status_code == 403 and message in r.get_data(as_text=True)

    # Renewed past the round's first day: it goes, and the round takes it.
    db.session.rollback()
    item = db.session.scalars(select(DossierItem).where(DossierItem.code == "food_safety_certificate")).one()
    db.session.rollback()
    assert canbo_c.post(f"/staff/dossier/products/{product.id}/items/{item.id}/dates",
                        {"issued_on": "01/01/2024", "expires_on": starts.strftime("%d/%m/%Y")}).status_code == 303
    assert _send(duyet_c, product.id).status_code == 303
    add_product(canbo_c, round_id, product)
    # An earlier round opened later does not move the date of the round the product is in.
    new_round("Đợt bổ sung", local_today() + dt.timedelta(days=5), local_today() + dt.timedelta(days=8))
    page = duyet_c.get(f"/staff/dossier/products/{product.id}").get_data(as_text=True)
    assert f"<strong>{starts:%d/%m/%Y}</strong> (ngày đầu của đợt đánh giá)" in page
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RoundProduct)) == 1
    assert db.session.scalar(select(func.count()).select_from(EvaluationRound)) == 3
    db.session.rollback()
