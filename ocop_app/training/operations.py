"""Operations on training courses: attendance, the XLSX attendance import, "trained" and targets.

A producer counts as trained for a cycle (a calendar year) when one of its
representatives was present at a course of that cycle (issue 4; QĐ 490/QĐ-TTg
2018, step 4). The district's plan sets targets of 100% of OCOP officials
(district and communes) and 100% of participating producers trained
(``ocop_app/data/training_targets.json``).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, select

from ..extensions import db
from ..models import AdminUnit, Commune, CourseAttendee, Producer, Product, TrainingCourse, User
from ..products.operations import InvalidInput, local_today
from ..text import fold
from ..workflow import Level, Role, Status

TARGETS_FILE = Path(__file__).resolve().parent.parent / "data" / "training_targets.json"


def cycle_of(product: Product) -> int:
    """The OCOP cycle a product is trained for: the current year in Vietnam.

    Training is checked when the district records it, so the cycle is the year
    of that step; a course of an earlier year does not count for a new cycle.
    """
    return local_today().year


def producer_trained(producer_id: int, year: int) -> bool:
    """Whether a representative of the producer was present at a course of cycle ``year``."""
    return bool(db.session.scalar(select(exists().where(
        CourseAttendee.producer_id == producer_id, CourseAttendee.present.is_(True),
        CourseAttendee.course_id == TrainingCourse.id, TrainingCourse.cycle_year == year,
    ))))


def training_problem(product: Product):
    """``None`` when the product's producer is trained for its cycle, else the message saying why not."""
    year = cycle_of(product)
    if producer_trained(product.producer_id, year):
        return None
    listed = db.session.scalar(select(exists().where(
        CourseAttendee.producer_id == product.producer_id,
        CourseAttendee.course_id == TrainingCourse.id, TrainingCourse.cycle_year == year,
    )))
    if listed:
        return _l("%(producer)s was on a course list of %(year)s but marked absent; nobody from it has been "
                  "trained yet.", producer=product.producer.name, year=year)
    return _l("%(producer)s has attended no training course of %(year)s; record its attendance first.",
              producer=product.producer.name, year=year)


def create_course(actor: User, **fields) -> TrainingCourse:
    """Create a course organised by the actor's unit (district or city).

    ``fields``: title, cycle_year, starts_on, ends_on, place, topics, trainer.
    :raises InvalidInput: end before start.
    """
    if fields["ends_on"] < fields["starts_on"]:
        raise InvalidInput({"ends_on": _l("The end date is before the start date.")})
    course = TrainingCourse(organiser_level=Role(actor.role).level.value, unit_id=actor.unit_id,
                            created_by_id=actor.id, **fields)
    db.session.add(course)
    db.session.flush()
    return course


def set_presence(attendee: CourseAttendee, present: bool) -> None:
    attendee.present = present
    db.session.flush()


def add_producer_attendee(course: TrainingCourse, producer: Producer, person_name: str,
                          present: bool = True) -> tuple[CourseAttendee, bool]:
    """Add a producer's representative (or update presence); returns ``(attendee, created)``."""
    person_name = person_name.strip()
    found = db.session.scalars(select(CourseAttendee).where(
        CourseAttendee.course_id == course.id, CourseAttendee.producer_id == producer.id,
        CourseAttendee.person_name == person_name,
    )).first()
    if found is not None:
        found.present = present
        return found, False
    attendee = CourseAttendee(course=course, producer_id=producer.id, person_name=person_name, present=present)
    db.session.add(attendee)
    db.session.flush()
    return attendee, True


def add_user_attendee(course: TrainingCourse, user: User, present: bool = True) -> tuple[CourseAttendee, bool]:
    """Add an official (a user) to the course (or update presence); returns ``(attendee, created)``."""
    found = db.session.scalars(select(CourseAttendee).where(
        CourseAttendee.course_id == course.id, CourseAttendee.user_id == user.id)).first()
    if found is not None:
        found.present = present
        return found, False
    attendee = CourseAttendee(course=course, user_id=user.id, person_name=user.full_name, present=present)
    db.session.add(attendee)
    db.session.flush()
    return attendee, True


# --------------------------------------------------------------------------
# XLSX attendance import
# --------------------------------------------------------------------------

#: Accepted column headings (accent-folded) → field.
HEADINGS = {
    "ho va ten": "person", "ho ten": "person", "nguoi tham du": "person", "dai dien": "person",
    "chu the": "producer", "ten chu the": "producer", "chu the ocop": "producer",
    "xa": "commune", "xa/thi tran": "commune", "don vi": "commune",
    "tai khoan": "username", "ten dang nhap": "username",
    "co mat": "present", "diem danh": "present", "tham du": "present",
}
PRESENT_WORDS = {"x", "co", "co mat", "1", "yes", "v", "✓", "dat"}
ABSENT_WORDS = {"", "vang", "khong", "0", "no", "vang mat", "-"}


@dataclass
class ImportRow:
    """One data row of the sheet: what was read, what it matched, and its errors (Vietnamese)."""

    line: int
    person: str = ""
    producer_name: str = ""
    commune_name: str = ""
    username: str = ""
    present: bool = True
    producer_id: int | None = None
    user_id: int | None = None
    errors: list[str] = field(default_factory=list)

    def as_payload(self) -> dict:
        return {"p": self.person, "pr": self.producer_id, "u": self.user_id, "x": self.present}


class BadWorkbook(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def read_attendance(data: bytes, course: TrainingCourse) -> list[ImportRow]:
    """Read an attendance list (first sheet) and match each row to a producer of the course's
    area, or to an official's user account. Writes nothing.

    Columns (the heading row is the first row with a "Họ và tên" column): Họ và tên,
    Chủ thể, Xã, Tài khoản (officials), Có mặt ("x"/"có" present; empty/"vắng" absent).

    :raises BadWorkbook: not an XLSX file, or no heading row.
    """
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a non-XLSX file
        raise BadWorkbook(_l("This is not an Excel (.xlsx) file that can be read.")) from exc
    ws = wb.worksheets[0]
    columns = None
    rows: list[ImportRow] = []
    seen: set[tuple] = set()
    scope_units = _units_under(course.unit_id)
    by_name: dict[str, list[Producer]] = {}
    for producer in db.session.scalars(select(Producer).where(Producer.unit_id.in_(scope_units))):
        by_name.setdefault(fold(producer.name), []).append(producer)
    for line, values in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = ["" if v is None else str(v).strip() for v in values]
        if columns is None:
            found = {HEADINGS[fold(c)]: i for i, c in enumerate(cells) if fold(c) in HEADINGS}
            if "person" in found:
                columns = found
            continue
        if not any(cells):
            continue
        get = lambda key: cells[columns[key]] if key in columns and columns[key] < len(cells) else ""  # noqa: E731
        row = ImportRow(line=line, person=get("person"), producer_name=get("producer"),
                        commune_name=get("commune"), username=get("username"))
        mark = fold(get("present")) if "present" in columns else "x"
        if mark in PRESENT_WORDS:
            row.present = True
        elif mark in ABSENT_WORDS:
            row.present = False
        else:
            row.errors.append(f"Cột “Có mặt” không hiểu được: “{get('present')}” (ghi “x” nếu có mặt, để trống nếu vắng).")
        if not row.person:
            row.errors.append("Thiếu họ và tên người tham dự.")
        if row.username:
            user = db.session.scalars(select(User).where(User.username == row.username)).first()
            if user is None:
                row.errors.append(f"Không có tài khoản “{row.username}”.")
            elif user.unit_id not in scope_units:
                row.errors.append(f"Tài khoản “{row.username}” không thuộc địa bàn của lớp.")
            else:
                row.user_id = user.id
        elif row.producer_name:
            _match_producer(row, by_name)
        else:
            row.errors.append("Thiếu tên chủ thể (hoặc tài khoản, nếu là cán bộ).")
        key = (row.producer_id, row.user_id, fold(row.person))
        if not row.errors:
            if key in seen:
                row.errors.append("Dòng trùng với một dòng phía trên.")
            seen.add(key)
        rows.append(row)
    wb.close()
    if columns is None:
        raise BadWorkbook(_l("No heading row with a “Họ và tên” column was found in the first sheet."))
    return rows


def _units_under(unit_id: int) -> set[int]:
    """The unit and every unit below it (ids)."""
    ids = {unit_id}
    frontier = {unit_id}
    while frontier:
        frontier = set(db.session.scalars(select(AdminUnit.id).where(AdminUnit.parent_id.in_(frontier))))
        ids |= frontier
    return ids


def _match_producer(row: ImportRow, by_name: dict[str, list[Producer]]) -> None:
    """Match the row's producer by accent-folded name among the course area's producers
    (``by_name``: folded name → producers), narrowed by the commune column when given."""
    matches = list(by_name.get(fold(row.producer_name), []))
    if row.commune_name:
        commune = fold(row.commune_name)
        for prefix in ("xa ", "thi tran ", "phuong "):
            commune = commune.removeprefix(prefix)
        in_commune = [p for p in matches if fold(p.unit.name) == commune]
        if matches and not in_commune:
            row.errors.append(f"Chủ thể “{row.producer_name}” không ở xã “{row.commune_name}”.")
            return
        matches = in_commune
    if not matches:
        row.errors.append(f"Không tìm thấy chủ thể “{row.producer_name}” trên địa bàn của lớp.")
    elif len(matches) > 1:
        row.errors.append(f"Có {len(matches)} chủ thể tên “{row.producer_name}”; ghi thêm cột Xã.")
    else:
        row.producer_id = matches[0].id


def apply_import(course: TrainingCourse, payload: list[dict]) -> dict[str, int]:
    """Write the confirmed rows (from :meth:`ImportRow.as_payload`); existing attendees are
    updated, never duplicated. Returns ``{"added": n, "updated": n, "unchanged": n}``."""
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    for item in payload:
        if item.get("pr"):
            producer = db.session.get(Producer, int(item["pr"]))
            before = _presence(course.id, producer_id=producer.id, person=item["p"])
            _a, created = add_producer_attendee(course, producer, item["p"], bool(item["x"]))
        else:
            user = db.session.get(User, int(item["u"]))
            before = _presence(course.id, user_id=user.id)
            _a, created = add_user_attendee(course, user, bool(item["x"]))
        if created:
            counts["added"] += 1
        elif before != bool(item["x"]):
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    db.session.flush()
    return counts


def _presence(course_id, producer_id=None, user_id=None, person=None):
    stmt = select(CourseAttendee.present).where(CourseAttendee.course_id == course_id)
    if producer_id is not None:
        stmt = stmt.where(CourseAttendee.producer_id == producer_id, CourseAttendee.person_name == person.strip())
    else:
        stmt = stmt.where(CourseAttendee.user_id == user_id)
    return db.session.scalar(stmt)


# --------------------------------------------------------------------------
# Targets
# --------------------------------------------------------------------------


def targets_for(district: AdminUnit) -> dict:
    """The plan's targets for ``district``: ``{"officials": %, "producers": %, "source": str}``."""
    data = json.loads(TARGETS_FILE.read_text(encoding="utf-8"))
    return data["districts"].get(district.name, data["default"])


@dataclass
class TargetProgress:
    """Recorded against planned: counts and percentages (0–100, one decimal)."""

    officials_total: int
    officials_trained: int
    producers_total: int
    producers_trained: int
    target_officials: float
    target_producers: float
    untrained_producers: list[Producer]

    @staticmethod
    def pct(n: int, total: int) -> float:
        return round(100 * n / total, 1) if total else 0.0

    @property
    def officials_pct(self) -> float:
        return self.pct(self.officials_trained, self.officials_total)

    @property
    def producers_pct(self) -> float:
        return self.pct(self.producers_trained, self.producers_total)


OFFICIAL_ROLES = [r.value for r in Role if r.level in (Level.DISTRICT, Level.COMMUNE)]


def target_progress(district: AdminUnit, year: int) -> TargetProgress:
    """Officials (active users of the district and its communes) and participating producers
    (with a product in the district that is not withdrawn or rejected and not ranked in an
    earlier year) trained in cycle ``year``."""
    units = [district.id] + list(db.session.scalars(select(Commune.id).where(Commune.parent_id == district.id)))
    attended = and_(CourseAttendee.present.is_(True), CourseAttendee.course_id == TrainingCourse.id,
                    TrainingCourse.cycle_year == year)
    officials = select(User.id).where(User.active.is_(True), User.unit_id.in_(units), User.role.in_(OFFICIAL_ROLES))
    officials_total = db.session.scalar(select(func.count()).select_from(officials.subquery()))
    officials_trained = db.session.scalar(select(func.count()).select_from(
        officials.where(exists().where(attended, CourseAttendee.user_id == User.id)).subquery()))
    participating = select(Product.producer_id).where(
        Product.district_id == district.id,
        Product.status.not_in([Status.WITHDRAWN.value, Status.REJECTED.value]),
        (Product.stage != "ranked") | (Product.ranked_year.is_(None)) | (Product.ranked_year >= year),
    ).distinct()
    producers = db.session.scalars(select(Producer).where(Producer.id.in_(participating)).order_by(Producer.name)).all()
    trained_ids = set(db.session.scalars(select(CourseAttendee.producer_id).where(
        attended, CourseAttendee.producer_id.in_([p.id for p in producers]))))
    target = targets_for(district)
    return TargetProgress(
        officials_total=officials_total, officials_trained=officials_trained,
        producers_total=len(producers), producers_trained=len(trained_ids),
        target_officials=target["officials"], target_producers=target["producers"],
        untrained_producers=[p for p in producers if p.id not in trained_ids],
    )
