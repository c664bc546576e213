"""Training courses: XLSX attendance import, the "trained" guard, targets (issue 4)."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from sqlalchemy import func, select

from conftest import snapshot
from ocop_app.extensions import db
from ocop_app.models import CourseAttendee, TrainingCourse
from ocop_app.products.operations import local_today
from ocop_app.workflow import Level, Role, Stage, Status


def _xlsx(rows, heading=("STT", "Họ và tên", "Chủ thể", "Xã", "Tài khoản", "Có mặt")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH HỌC VIÊN LỚP TẬP HUẤN OCOP"])  # a title row above the headings
    ws.append(list(heading))
    for i, row in enumerate(rows, 1):
        ws.append([i, *row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _course(client, title="Tập huấn OCOP 2026"):
    year = local_today().year
    r = client.post("/staff/training/new", {
        "title": title, "cycle_year": str(year), "starts_on": f"10/03/{year}", "ends_on": f"11/03/{year}",
        "place": "Hội trường UBND huyện", "trainer": "Sở NN&PTNT", "topics": "Quy trình OCOP; hồ sơ",
    })
    assert r.status_code == 303, r.get_data(as_text=True)[:500]
    return int(r.headers["Location"].rstrip("/").split("/")[-1])


def _count(model):
    db.session.rollback()
    n = db.session.scalar(select(func.count()).select_from(model))
    db.session.rollback()
    return n


def _preview(client, course_id, data, name="diem-danh.xlsx"):
    return client.post(f"/staff/training/{course_id}/import",
                       {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _confirm(client, course_id, preview_html):
    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', preview_html) or \
        re.search(r'id="payload" name="payload" type="hidden" value="([^"]+)"', preview_html)
    assert payload, preview_html[:2000]
    return client.post(f"/staff/training/{course_id}/import/confirm", {"payload": payload.group(1)})


def test_twelve_producers_imported_from_xlsx_are_trained(make_user, make_product, new_client, units):
    canbo = make_user(Role.DISTRICT_STAFF, username="huyen.canbo")
    products = [make_product(Stage.REGISTERED, Status.APPROVED, Level.DISTRICT,
                             commune_key="thach_xa" if i % 2 else "binh_phu") for i in range(12)]
    c = new_client()
    c.login(canbo)
    course_id = _course(c)
    rows = [(f"Nguyễn Văn {chr(65 + i)}", p.producer.name, ("Xã " if i % 3 else "") + p.commune.name, "", "x")
            for i, p in enumerate(products)]
    rows.append(("Trần Thị Lạ", "HTX Không Tồn Tại", "Thạch Xá", "", "x"))  # unknown producer
    rows.append(("Lê Văn Vắng", products[0].producer.name, "Thạch Xá", "", "có thể"))  # bad mark
    data = _xlsx(rows)

    before = _count(CourseAttendee)
    r = _preview(c, course_id, data)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "12 dòng có thể ghi nhận, 2 dòng có lỗi" in html
    assert "Không tìm thấy chủ thể “HTX Không Tồn Tại”" in html
    assert "Cột “Có mặt” không hiểu được" in html
    assert _count(CourseAttendee) == before  # the preview writes nothing

    r = _confirm(c, course_id, html)
    assert r.status_code == 303
    assert _count(CourseAttendee) == 12
    db.session.rollback()
    assert all(p.name for p in products)
    page = c.get(f"/staff/training/{course_id}").get_data(as_text=True)
    assert "Nguyễn Văn A" in page and "Chủ thể (12)" in page

    # Importing the same sheet again adds nothing.
    r = _confirm(c, course_id, _preview(c, course_id, data).get_data(as_text=True))
    assert r.status_code == 303
    assert _count(CourseAttendee) == 12
    assert "0 người được thêm" in c.get(f"/staff/training/{course_id}").get_data(as_text=True)

    # Each of the 12 products can now have its training recorded.
    for p in products:
        url = f"/staff/products/{p.id}/actions/record_training"
        assert c.post(url, {"version": str(snapshot(p.id)[5])}).status_code == 303


def test_untrained_producer_cannot_be_signed_off_and_the_page_says_why(make_user, make_product, new_client):
    canbo = make_user(Role.DISTRICT_STAFF)
    duyet = make_user(Role.DISTRICT_APPROVER)
    product = make_product(Stage.REGISTERED, Status.APPROVED, Level.DISTRICT)
    awaiting = make_product(Stage.TRAINED, Status.AWAITING, Level.DISTRICT, last_actor=canbo)
    c = new_client()
    c.login(canbo)
    page = c.get(f"/staff/products/{product.id}").get_data(as_text=True)
    assert f"{product.producer.name} chưa tham dự lớp tập huấn nào của năm {local_today().year}" in page
    assert re.search(r'<button type="submit" disabled aria-describedby="why-record_training">', page)
    before = snapshot(product.id)
    r = c.post(f"/staff/products/{product.id}/actions/record_training", {"version": str(before[5])})
    assert r.status_code == 403 and "chưa tham dự lớp tập huấn" in r.get_data(as_text=True)
    assert snapshot(product.id) == before

    d = new_client()
    d.login(duyet)
    before = snapshot(awaiting.id)
    r = d.post(f"/staff/products/{awaiting.id}/actions/confirm_training", {"version": str(before[5])})
    assert r.status_code == 403
    assert snapshot(awaiting.id) == before


def test_absent_producer_is_not_trained(make_user, make_product, new_client):
    canbo = make_user(Role.DISTRICT_STAFF)
    product = make_product(Stage.REGISTERED, Status.APPROVED, Level.DISTRICT)
    c = new_client()
    c.login(canbo)
    course_id = _course(c)
    html = _preview(c, course_id, _xlsx([("Phạm Văn Vắng", product.producer.name, "Thạch Xá", "", "vắng")])
                    ).get_data(as_text=True)
    assert _confirm(c, course_id, html).status_code == 303
    page = c.get(f"/staff/products/{product.id}").get_data(as_text=True)
    assert "được ghi vắng mặt" in page
    # Marking the representative present opens the step.
    db.session.rollback()
    attendee = db.session.scalars(select(CourseAttendee)).one()
    db.session.rollback()
    r = c.post(f"/staff/training/{course_id}/attendees/{attendee.id}/presence", {"present": "1"}, htmx=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and html.lstrip().startswith('<section id="attendees"')  # the fragment
    assert "Đã lưu điểm danh." in html and "Ghi vắng" in html
    assert c.post(f"/staff/products/{product.id}/actions/record_training",
                  {"version": str(snapshot(product.id)[5])}).status_code == 303


def test_import_refuses_what_it_cannot_read(make_user, new_client):
    c = new_client()
    c_user = make_user(Role.DISTRICT_STAFF)
    c.login(c_user)
    course_id = _course(c)
    r = _preview(c, course_id, b"<html>not excel</html>", "danh-sach.xlsx")
    assert r.status_code == 422 and "không phải tệp Excel" in r.get_data(as_text=True)
    r = _preview(c, course_id, _xlsx([], heading=("A", "B")))
    assert r.status_code == 422 and "Họ và tên" in r.get_data(as_text=True)
    r = c.post(f"/staff/training/{course_id}/import/confirm", {"payload": "forged.payload"})
    assert r.status_code == 400
    # A preview confirmed on another course is refused.
    producer_course = _course(c, "Lớp khác")
    html = _preview(c, course_id, _xlsx([("Cán bộ", "", "", c_user.username, "x")])).get_data(as_text=True)
    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', html).group(1)
    assert c.post(f"/staff/training/{producer_course}/import/confirm", {"payload": payload}).status_code == 400
    assert _count(CourseAttendee) == 0


def test_officials_by_user_name_and_scope(make_user, new_client):
    canbo = make_user(Role.DISTRICT_STAFF)
    xa = make_user(Role.COMMUNE_STAFF, username="xa.thachxa")
    make_user(Role.COMMUNE_STAFF, "sai_son", username="xa.saison")  # another district
    c = new_client()
    c.login(canbo)
    course_id = _course(c)
    html = _preview(c, course_id, _xlsx([("Cán bộ xã", "", "", "xa.thachxa", "x"),
                                         ("Người ngoài", "", "", "xa.saison", "x")])).get_data(as_text=True)
    assert "Tài khoản “xa.saison” không thuộc địa bàn của lớp" in html
    assert _confirm(c, course_id, html).status_code == 303
    db.session.rollback()
    assert [a.user_id for a in db.session.scalars(select(CourseAttendee))] == [xa.id]
    db.session.rollback()

    # Another district's staff cannot see the course.
    other = new_client()
    other.login(make_user(Role.DISTRICT_STAFF, "quoc_oai"))
    assert other.get(f"/staff/training/{course_id}").status_code == 404
    # A commune officer of the district can see it but not change it.
    x = new_client()
    x.login(xa)
    assert x.get(f"/staff/training/{course_id}").status_code == 200
    assert x.post(f"/staff/training/{course_id}/attendees", {"username": "xa.thachxa"}).status_code == 403


def test_course_form_keeps_input_and_checks_dates(make_user, new_client):
    c = new_client()
    c.login(make_user(Role.DISTRICT_STAFF))
    r = c.post("/staff/training/new", {"title": "Lớp A", "cycle_year": str(local_today().year), "starts_on": "12/03/2026",
                                        "ends_on": "32/03/2026", "place": "Nhà văn hóa"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "dd/mm/yyyy" in html and 'value="32/03/2026"' in html
    assert 'value="Nhà văn hóa"' in html
    r = c.post("/staff/training/new", {"title": "", "cycle_year": "1990", "starts_on": "", "ends_on": ""})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Vui lòng nhập thông tin này." in html and "Hãy chọn một năm trong danh sách." in html
    assert _count(TrainingCourse) == 0


def test_targets_page(make_user, make_product, new_client, units):
    canbo = make_user(Role.DISTRICT_STAFF)
    make_user(Role.COMMUNE_STAFF, username="xa.a")
    make_user(Role.COMMUNE_APPROVER, username="xa.b")
    make_user(Role.DISTRICT_STAFF, "quoc_oai")  # another district: not counted
    p1 = make_product(Stage.REGISTERED, Status.APPROVED, Level.DISTRICT)
    make_product(Stage.REGISTERED, Status.APPROVED, Level.DISTRICT)
    make_product(Stage.REGISTERED, Status.WITHDRAWN, Level.COMMUNE)  # not participating
    c = new_client()
    c.login(canbo)
    course_id = _course(c)
    html = _preview(c, course_id, _xlsx([("Đại diện 1", p1.producer.name, "", "", "x"),
                                         ("Cán bộ huyện", "", "", canbo.username, "x")])).get_data(as_text=True)
    assert _confirm(c, course_id, html).status_code == 303
    page = c.get("/staff/training/targets").get_data(as_text=True)
    officials = re.search(r'id="target-officials">(.*?)</tr>', page, re.S).group(1)
    producers = re.search(r'id="target-producers">(.*?)</tr>', page, re.S).group(1)
    assert "100%" in officials and "33,3%" in officials and "1 / 3" in officials
    assert "50%" in producers and "1 / 2" in producers
    assert c.get(f"/staff/training/targets?year={local_today().year - 1}").status_code == 200


def test_attendance_downloads_as_xlsx_and_imports_back(make_user, make_product, new_client):
    """The course page links the attendance list as XLSX: one row per attendee, who was absent, in the
    columns the import reads — so the list imported into another course gives the same attendance."""
    from ocop_app.reports.xlsx import read_rows

    canbo = make_user(Role.DISTRICT_STAFF, username="huyen.canbo")
    official = make_user(Role.COMMUNE_STAFF, "binh_phu", username="xa.binhphu")
    products = [make_product(Stage.REGISTERED, Status.APPROVED, Level.DISTRICT,
                             commune_key=("thach_xa", "binh_phu", "thach_xa")[i]) for i in range(3)]
    c = new_client()
    c.login(canbo)
    course_id = _course(c, title="Tập huấn hồ sơ OCOP")
    rows = [(f"Nguyễn Văn {chr(65 + i)}", p.producer.name, p.commune.name, "", "x" if i != 1 else "vắng")
            for i, p in enumerate(products)]
    rows.append(("Cán bộ Bình Phú", "", "", official.username, "x"))
    assert _confirm(c, course_id, _preview(c, course_id, _xlsx(rows)).get_data(as_text=True)).status_code == 303

    page = c.get(f"/staff/training/{course_id}").get_data(as_text=True)
    link = f"/staff/training/{course_id}/attendance.xlsx"
    assert f'href="{link}"' in page and "Tải danh sách điểm danh" in page
    db.session.rollback()  # end the test thread's read before writing
    reader = new_client()
    reader.login(make_user(Role.COMMUNE_STAFF, "thach_xa"))
    r = reader.get(link)
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    headers, got = read_rows(r.data)
    assert headers == ["STT", "Họ và tên", "Chủ thể", "Xã", "Tên đăng nhập", "Có mặt"]
    assert got == [
        [1, "Nguyễn Văn A", products[0].producer.name, "Thạch Xá", None, "x"],
        [2, "Nguyễn Văn B", products[1].producer.name, "Bình Phú", None, "vắng"],
        [3, "Nguyễn Văn C", products[2].producer.name, "Thạch Xá", None, "x"],
        [4, official.full_name, None, "Bình Phú", "xa.binhphu", "x"],
    ]

    second = _course(c, title="Tập huấn nhắc lại")
    html = _preview(c, second, r.data).get_data(as_text=True)
    assert "4 dòng có thể ghi nhận, 0 dòng có lỗi" in html
    assert _confirm(c, second, html).status_code == 303
    db.session.rollback()
    def attendance(cid):
        return [(a.person_name, a.producer_id, a.user_id, a.present) for a in db.session.scalars(
            select(CourseAttendee).where(CourseAttendee.course_id == cid).order_by(CourseAttendee.id))]

    assert attendance(second) == attendance(course_id)
    assert [a[1:] for a in attendance(second)] == [
        (products[0].producer_id, None, True), (products[1].producer_id, None, False),
        (products[2].producer_id, None, True), (None, official.id, True)]
    db.session.rollback()
    # Out of the course's area: another district's officer does not get it.
    other = new_client()
    other.login(make_user(Role.DISTRICT_STAFF, "quoc_oai"))
    assert other.get(link).status_code == 404


def test_the_training_targets_link_is_shown_only_to_who_may_open_it(make_user, new_client):
    """A district council member got a link that answered 403."""
    for role, shown in ((Role.DISTRICT_COUNCIL, False), (Role.DISTRICT_STAFF, True), (Role.DISTRICT_APPROVER, True)):
        c = new_client()
        c.login(make_user(role))
        page = c.get("/staff/training/").get_data(as_text=True)
        assert ('href="/staff/training/targets"' in page) is shown, role
        assert c.get("/staff/training/targets").status_code == (200 if shown else 403)
