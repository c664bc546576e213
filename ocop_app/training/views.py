"""Staff pages: training courses (lớp tập huấn), attendance, XLSX import, and the district's targets."""

from __future__ import annotations


from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from ..dossier import storage
from ..extensions import db
from ..forms import ActionForm
from ..models import CourseAttendee, Producer, TrainingCourse, User
from ..permissions import STAFF, access, roles
from ..products.operations import InvalidInput, local_today
from ..rendering import is_htmx, redirect_to, render
from ..workflow import Role
from . import operations
from .forms import AttendeeForm, ConfirmImportForm, CourseForm, ImportForm

bp = Blueprint("training", __name__)

ORGANISERS = (Role.DISTRICT_STAFF, Role.CITY_STAFF)


def _visible_units(user) -> set[int] | None:
    """Units whose courses ``user`` may see: its own unit, the units above and below it (None = all)."""
    if Role(user.role) is Role.ADMIN:
        return None
    ids: set[int] = set()
    unit = user.unit
    while unit is not None:
        ids.add(unit.id)
        unit = unit.parent
    return ids | operations._units_under(user.unit_id)


def get_course_or_404(course_id: int) -> TrainingCourse:
    """A course the current user may see (out of scope → 404, like products)."""
    course = db.session.get(TrainingCourse, course_id)
    visible = _visible_units(current_user)
    if course is None or (visible is not None and course.unit_id not in visible):
        abort(404)
    return course


def _can_manage(course: TrainingCourse) -> bool:
    return Role(current_user.role) in ORGANISERS and current_user.unit_id == course.unit_id


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="attendance-import")


@bp.get("/")
@access(STAFF)
def courses():
    stmt = select(TrainingCourse).order_by(TrainingCourse.starts_on.desc(), TrainingCourse.id.desc())
    visible = _visible_units(current_user)
    if visible is not None:
        stmt = stmt.where(TrainingCourse.unit_id.in_(visible))
    return render("training/courses.html", courses=db.session.scalars(stmt).all(),
                  can_create=Role(current_user.role) in ORGANISERS,
                  can_see_targets=Role(current_user.role) in TARGET_VIEWERS)


@bp.route("/new", methods=["GET", "POST"])
@access(roles(*ORGANISERS))
def course_new():
    form = CourseForm()
    if request.method == "GET":
        form.cycle_year.data = local_today().year
    if form.validate_on_submit():
        try:
            course = operations.create_course(
                current_user, title=form.title.data.strip(), cycle_year=form.cycle_year.data,
                starts_on=form.starts_on.data, ends_on=form.ends_on.data, place=(form.place.data or "").strip(),
                topics=(form.topics.data or "").strip(), trainer=(form.trainer.data or "").strip(),
            )
        except InvalidInput as exc:
            db.session.rollback()
            for name, message in exc.errors.items():
                getattr(form, name).errors = [message]
        else:
            db.session.commit()
            return redirect_to(url_for("training.course", course_id=course.id), _("Course created."))
    status = 422 if form.is_submitted() else 200
    return render("training/course_form.html", status=status, form=form)


def _course_context(course, attendee_form=None, preview=None, import_form=None):
    attendees = db.session.scalars(
        select(CourseAttendee).where(CourseAttendee.course_id == course.id).order_by(CourseAttendee.id)
    ).all()
    producers = [a for a in attendees if a.producer_id]
    officials = [a for a in attendees if a.user_id]
    return {
        "course": course,
        "producers": producers,
        "officials": officials,
        "can_manage": _can_manage(course),
        "action_form": ActionForm(),
        "attendee_form": attendee_form or AttendeeForm(formdata=None),
        "import_form": import_form or ImportForm(formdata=None),
        "preview": preview,
        "producer_choices": _producer_choices(course) if _can_manage(course) else [],
    }


def _producer_choices(course):
    units = operations._units_under(course.unit_id)
    return db.session.scalars(select(Producer).where(Producer.unit_id.in_(units)).order_by(Producer.name)).all()


@bp.get("/<int:course_id>")
@access(STAFF)
def course(course_id: int):
    c = get_course_or_404(course_id)
    return render("training/course.html", "training/_attendees.html", **_course_context(c))


@bp.get("/<int:course_id>/attendance.xlsx")
@access(STAFF)
def attendance_xlsx(course_id: int):
    """The course's attendance list as XLSX (shared layout of :mod:`ocop_app.reports.xlsx`): one row per
    attendee, producers then officials, in the columns the attendance import reads back
    (Họ và tên, Chủ thể, Xã, Tên đăng nhập, Có mặt)."""
    from ..reports.xlsx import Column, workbook_bytes, xlsx_response

    c = get_course_or_404(course_id)
    ctx = _course_context(c)
    rows = list(enumerate(ctx["producers"] + ctx["officials"], start=1))
    columns = [
        Column(_("Row no."), lambda r: r[0], kind="int", width=6),
        Column(_("Full name"), lambda r: r[1].person_name or (r[1].user.full_name if r[1].user else ""), width=28),
        Column(_("Producer"), lambda r: r[1].producer.name if r[1].producer else "", width=36),
        Column(_("Commune"), lambda r: (r[1].producer.unit.name if r[1].producer
                                        else r[1].user.unit.name if r[1].user and r[1].user.unit else ""), width=20),
        Column(_("Username"), lambda r: r[1].user.username if r[1].user else "", width=20),
        Column(_("Present"), lambda r: "x" if r[1].present else _("absent"), width=10),
    ]
    dates = c.starts_on.strftime("%d/%m/%Y") + (f" – {c.ends_on:%d/%m/%Y}" if c.ends_on != c.starts_on else "")
    subtitle = f"{c.unit.display_name} · {dates}" + (f" · {c.place}" if c.place else "")
    data = workbook_bytes(c.title, columns, rows, subtitle=subtitle, sheet_name=_("Attendance"))
    return xlsx_response(data, f"diem-danh-lop-tap-huan-{c.id}.xlsx")


@bp.post("/<int:course_id>/attendees")
@access(roles(*ORGANISERS))
def attendee_add(course_id: int):
    c = get_course_or_404(course_id)
    if not _can_manage(c):
        abort(403)
    form = AttendeeForm()
    if form.validate():
        username = (form.username.data or "").strip()
        producer_id = (form.producer_id.data or "").strip()
        person = (form.person_name.data or "").strip()
        units = operations._units_under(c.unit_id)
        if username:
            user = db.session.scalars(select(User).where(User.username == username)).first()
            if user is None or user.unit_id not in units:
                form.username.errors = [_("No official with this user name serves the course's area.")]
            else:
                operations.add_user_attendee(c, user)
        elif producer_id.isdigit():
            producer = db.session.get(Producer, int(producer_id))
            if producer is None or producer.unit_id not in units:
                form.producer_id.errors = [_("Choose a producer of the course's area.")]
            elif not person:
                form.person_name.errors = [_("Enter the representative's name.")]
            else:
                operations.add_producer_attendee(c, producer, person)
        else:
            form.producer_id.errors = [_("Choose a producer, or enter an official's user name.")]
        if not form.errors:
            db.session.commit()
            return redirect_to(url_for("training.course", course_id=c.id), _("Attendee added."))
    db.session.rollback()
    return render("training/course.html", "training/_attendees.html", status=422,
                  **_course_context(c, attendee_form=form))


@bp.post("/<int:course_id>/attendees/<int:attendee_id>/presence")
@access(roles(*ORGANISERS))
def presence(course_id: int, attendee_id: int):
    c = get_course_or_404(course_id)
    if not _can_manage(c):
        abort(403)
    attendee = db.session.get(CourseAttendee, attendee_id)
    if attendee is None or attendee.course_id != c.id or not ActionForm().validate():
        abort(404 if attendee is None or attendee.course_id != c.id else 400)
    operations.set_presence(attendee, request.form.get("present") == "1")
    db.session.commit()
    if is_htmx():
        flash(_("Attendance saved."), "success")
        return render("training/course.html", "training/_attendees.html", headers={"HX-Trigger": "queueChanged"},
                      **_course_context(c))
    return redirect_to(url_for("training.course", course_id=c.id), _("Attendance saved."))


@bp.post("/<int:course_id>/import")
@access(roles(*ORGANISERS))
def import_preview(course_id: int):
    """Read an XLSX attendance list and show what would be recorded; writes nothing."""
    c = get_course_or_404(course_id)
    if not _can_manage(c):
        abort(403)
    form = ImportForm()
    preview = None
    if form.validate():
        upload = request.files.get("file")
        try:
            if upload is None or not upload.filename:
                raise storage.UploadRefused(_("Choose a file to upload."))
            data = upload.stream.read(storage.max_bytes() + 1)
            if len(data) > storage.max_bytes():
                raise storage.UploadRefused(_("The file is larger than %(mb)s MB.", mb=storage.max_bytes() // 2**20))
            rows = operations.read_attendance(data, c)
        except storage.UploadRefused as exc:
            form.file.errors = [exc.message]
        except operations.BadWorkbook as exc:
            form.file.errors = [exc.message]
        else:
            good = [r for r in rows if not r.errors]
            preview = {
                "rows": rows,
                "good": len(good),
                "bad": len(rows) - len(good),
                "confirm": ConfirmImportForm(formdata=None,
                                             payload=_serializer().dumps(
                                                 {"course": c.id, "rows": [r.as_payload() for r in good]})),
                "names": _names(good),
            }
            return render("training/course.html", "training/_attendees.html",
                          **_course_context(c, preview=preview))
    return render("training/course.html", "training/_attendees.html", status=422,
                  **_course_context(c, import_form=form))


def _names(rows) -> dict:
    ids = {r.producer_id for r in rows if r.producer_id}
    return {p.id: p for p in db.session.scalars(select(Producer).where(Producer.id.in_(ids)))} if ids else {}


@bp.post("/<int:course_id>/import/confirm")
@access(roles(*ORGANISERS))
def import_confirm(course_id: int):
    c = get_course_or_404(course_id)
    if not _can_manage(c):
        abort(403)
    form = ConfirmImportForm()
    if not form.validate():
        abort(400)
    try:
        signed = _serializer().loads(form.payload.data)
    except BadSignature:
        signed = None
    if not isinstance(signed, dict) or signed.get("course") != c.id:
        abort(400, description=_("The import could not be confirmed; upload the file again."))
    payload = signed["rows"]
    units = operations._units_under(c.unit_id)
    for item in payload:  # the scope may have changed since the preview: check again
        if item.get("pr"):
            producer = db.session.get(Producer, int(item["pr"]))
            if producer is None or producer.unit_id not in units:
                abort(400, description=_("The import could not be confirmed; upload the file again."))
        else:
            user = db.session.get(User, int(item["u"]))
            if user is None or user.unit_id not in units:
                abort(400, description=_("The import could not be confirmed; upload the file again."))
    counts = operations.apply_import(c, payload)
    db.session.commit()
    return redirect_to(url_for("training.course", course_id=c.id),
                       _("Import done: %(added)s added, %(updated)s updated, %(unchanged)s already recorded.",
                         **counts))


#: Who may open the training targets page (and so who is shown the link to it).
TARGET_VIEWERS = (Role.DISTRICT_STAFF, Role.DISTRICT_APPROVER)


@bp.get("/targets")
@access(roles(*TARGET_VIEWERS))
def targets():
    """The plan's training targets for the user's district against what is recorded."""
    district = current_user.unit
    year = request.args.get("year", type=int) or local_today().year
    if not 2000 <= year <= 2100:  # a year the database compares (and a person means)
        abort(400, description=_("Choose a year between 2000 and 2100."))
    progress = operations.target_progress(district, year)
    return render("training/targets.html", district=district, year=year, progress=progress)
