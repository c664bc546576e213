"""Route sweep declarations of the training area (``ocop_app/training/views.py``).

A course is seen by the users of its unit and of the units above and below it
(``training.views._visible_units``) and managed only by the organiser's own
district or city staff. Out of scope is the nearest course nobody in the acting
user's chain may see: another district's (Quốc Oai) for commune and district
users, another city's (Lâm Đồng) for city users.
"""

from __future__ import annotations

import io

from flask import current_app
from itsdangerous import URLSafeSerializer
from openpyxl import Workbook

from ocop_app.extensions import db
from ocop_app.models import CourseAttendee, TrainingCourse
from ocop_app.products.operations import local_today
from ocop_app.training import operations
from ocop_app.workflow import Level, Role

from routesweep import Case, WithFiles, param, route, scoped

ORGANISERS = (Role.DISTRICT_STAFF, Role.CITY_STAFF)
#: For each level, the organising unit of the nearest course out of that level's users' sight.
OUT_COURSE_UNIT = {Level.COMMUNE: "quoc_oai", Level.DISTRICT: "quoc_oai", Level.CITY: "lam_dong"}


def _course(ctx, unit_key: str) -> TrainingCourse:
    unit = ctx.units[unit_key]
    today = local_today()
    course = TrainingCourse(title="Lớp tập huấn OCOP thử", organiser_level="city" if unit.parent is None else "district",
                            unit_id=unit.id, cycle_year=today.year, starts_on=today, ends_on=today)
    db.session.add(course)
    db.session.commit()
    return course


def _courses(ctx) -> tuple[TrainingCourse, TrainingCourse]:
    """(a course the user may see — and manage, for an organiser —, the nearest course out of sight)."""
    if ctx.role in ORGANISERS:
        inside = next(k for k, u in ctx.units.items() if u.id == ctx.user.unit_id)  # its own unit
    else:
        inside = "thach_that"  # seen from Thạch Xá, Thạch Thất and Hà Nội alike
    level = ctx.role.level if ctx.role else None
    return _course(ctx, inside), _course(ctx, OUT_COURSE_UNIT.get(level, "quoc_oai"))


def _attendee(course: TrainingCourse, producer) -> CourseAttendee:
    attendee, _created = operations.add_producer_attendee(course, producer, "Nguyễn Văn An")
    db.session.commit()
    return attendee


def _producer(ctx):
    """A producer of Thạch Xá (under every course the sweep's organisers manage)."""
    return ctx.make_product().producer


@param("course_id")
def _course_id(ctx):
    inside, outside = _courses(ctx)
    return scoped(ctx, inside.id, outside.id)


def _course_case(ctx, data=None, **values) -> Case:
    """A course route; ``values``: other URL parameters, ``name=make(course) -> id`` of an object of the course.

    Out of scope: the out-of-sight course, or, for a route naming an object of the course, the
    out-of-sight course's object named under the user's own course (the route must check both).
    """
    inside, outside = _courses(ctx)
    ins, outs = {"course_id": inside.id}, {"course_id": outside.id if not values else inside.id}
    for name, make in values.items():
        ins[name], outs[name] = make(inside), make(outside)
    ins, outs = scoped(ctx, ins, outs)
    return Case(values=ins, out_values=outs, data=data(inside) if callable(data) else (data or {}))


@route("training.course_new")
def _course_new(ctx):
    today = local_today().strftime("%d/%m/%Y")
    return Case(data={"title": "Lớp tập huấn kỹ năng bán hàng", "cycle_year": str(local_today().year),
                      "starts_on": today, "ends_on": today, "place": "Hội trường UBND huyện"})


@route("training.attendee_add")
def _attendee_add(ctx):
    producer = _producer(ctx)
    return _course_case(ctx, data={"producer_id": str(producer.id), "person_name": "Trần Thị Bình"})


@route("training.presence")
def _presence(ctx):
    producer = _producer(ctx)
    return _course_case(ctx, data={"present": "0"}, attendee_id=lambda course: _attendee(course, producer).id)


def _attendance_xlsx(producer) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH HỌC VIÊN LỚP TẬP HUẤN OCOP"])
    ws.append(["STT", "Họ và tên", "Chủ thể", "Xã", "Tài khoản", "Có mặt"])
    ws.append([1, "Lê Văn Cường", producer.name, producer.unit.name, "", "x"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@route("training.import_preview")
def _import_preview(ctx):
    producer = _producer(ctx)
    return _course_case(ctx, data=WithFiles(file=("diem-danh.xlsx", _attendance_xlsx(producer))))


@route("training.import_confirm")
def _import_confirm(ctx):
    producer = _producer(ctx)
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt="attendance-import")
    rows = [{"p": "Lê Văn Cường", "pr": producer.id, "u": None, "x": True}]
    # the confirmation carries the checked rows signed and tied to their course
    return _course_case(ctx, data=lambda course: {"payload": serializer.dumps({"course": course.id, "rows": rows})})
