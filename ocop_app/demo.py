"""Demo data from real, public OCOP records.

Sources (copied into ``ocop_app/data/`` from the project's reference folder,
each row keeping its ``source_url``):

- ``thach_that_communes.csv``: the 23 units of Thạch Thất district, Hà Nội,
  before the 2025 reform (thachthat.hanoi.gov.vn).
- ``ocop_products_real.csv``: 161 products with a published star rank →
  loaded as *ranked* with that star.
- ``ocop_products_partial.csv``: 53 products whose rank is unconfirmed →
  loaded at an earlier stage: a district-council star not yet confirmed by
  the city waits for the city; the others are spread over the earlier
  stages so every queue has work.

Household owners' names are placeholders in the source. A row without a
producer gets the producer "Chủ thể chưa công bố" (not published) of its
place. Loading twice changes nothing: every record is matched on its
natural key first.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from . import catalog, clock, rules
from .extensions import db
from .models import AdminUnit, Certificate, City, Commune, District, Producer, Product, StageEvent, User
from .products.operations import place_product, search_text_for, utcnow
from .text import slug
from .workflow import Level, Role, Stage, Status

DATA = Path(__file__).parent / "data"
DEMO_PASSWORD = "ocop-demo"
UNKNOWN_PRODUCER = "Chủ thể chưa công bố"
HOME_CITY, HOME_DISTRICT = "Hà Nội", "Thạch Thất"

PRODUCER_TYPES = {
    "Doanh nghiệp": "enterprise",
    "Hợp tác xã": "cooperative",
    "Tổ hợp tác": "cooperative_group",
    "Hộ kinh doanh": "household",
    "Cơ sở sản xuất": "facility",
}

#: The source's product-group column → branch code (QĐ 26/2026, Phụ lục I).
GROUP_BRANCH = {
    "Thực phẩm": "food",
    "Đồ uống": "beverage",
    "Thảo dược / dược liệu": "herbal",
    "Thủ công mỹ nghệ": "handicraft",
    "Vải, may mặc": "handicraft",
}

UNIT_PREFIXES = {
    Level.DISTRICT: ("Thành phố", "Thị xã", "Quận", "Huyện"),
    Level.COMMUNE: ("Thị trấn", "Phường", "Xã"),
}

#: Earlier states that unconfirmed products without a star are spread over.
EARLY_STATES = (
    (Stage.REGISTERED, Status.AWAITING, Level.COMMUNE),
    (Stage.REGISTERED, Status.AWAITING, Level.DISTRICT),
    (Stage.TRAINED, Status.AWAITING, Level.DISTRICT),
    (Stage.UPGRADED, Status.APPROVED, Level.DISTRICT),
)


@dataclass
class LoadReport:
    """Counts of records created by one run of :func:`load`."""

    created: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1

    def __str__(self) -> str:
        if not self.created:
            return "nothing new (demo data already loaded)"
        return ", ".join(f"{n} {kind}" for kind, n in sorted(self.created.items()))


def _split_type(name: str, level: Level, default: str) -> tuple[str, str]:
    """("Thị trấn Liên Nghĩa", commune) → ("Thị trấn", "Liên Nghĩa")."""
    for prefix in UNIT_PREFIXES[level]:
        if name.startswith(prefix + " "):
            return prefix, name[len(prefix) + 1:]
    return default, name


class _Loader:
    def __init__(self) -> None:
        self.report = LoadReport()
        self.password_hash = generate_password_hash(DEMO_PASSWORD)

    # -- units -------------------------------------------------------------
    def unit(self, cls, name: str, unit_type: str, parent: AdminUnit | None, source: str = "") -> AdminUnit:
        stmt = select(cls).where(cls.name == name)
        stmt = stmt.where(cls.parent_id == parent.id) if parent else stmt.where(cls.parent_id.is_(None))
        found = db.session.scalars(stmt).first()
        if found is None:
            found = cls(name=name, unit_type=unit_type, parent=parent, slug=slug(name), source=source)
            db.session.add(found)
            db.session.flush()
            self.report.add(f"{cls.__name__.lower()} units")
        return found

    def city(self, name: str) -> AdminUnit:
        unit_type = "Thành phố" if name in ("Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế") else "Tỉnh"
        return self.unit(City, name, unit_type, None)

    def place(self, province: str, district: str, commune: str) -> AdminUnit:
        unit = self.city(province)
        district = district.split(" (")[0].strip()
        if district:
            dtype, dname = _split_type(district, Level.DISTRICT, "Huyện")
            unit = self.unit(District, dname, dtype, unit)
        if commune:
            ctype, cname = _split_type(commune, Level.COMMUNE, "Xã")
            unit = self.unit(Commune, cname, ctype, unit)
        return unit

    def home_units(self) -> tuple[AdminUnit, AdminUnit, list[AdminUnit]]:
        city = self.city(HOME_CITY)
        district = self.unit(District, HOME_DISTRICT, "Huyện", city)
        communes = []
        with (DATA / "thach_that_communes.csv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                communes.append(self.unit(Commune, row["name"], row["unit_type"], district, row["source_url"]))
        return city, district, communes

    # -- users -------------------------------------------------------------
    def user(self, username: str, full_name: str, role: Role, unit: AdminUnit | None) -> User:
        found = db.session.scalars(select(User).where(User.username == username)).first()
        if found is None:
            found = User(username=username, full_name=full_name, role=role.value, unit=unit,
                         password_hash=self.password_hash, active=True)
            db.session.add(found)
            self.report.add("users")
        return found

    def users(self, city, district, communes) -> None:
        self.user("admin", "Quản trị hệ thống", Role.ADMIN, None)
        for commune in communes:
            label = f"{commune.unit_type} {commune.name}"
            self.user(f"xa.{commune.slug}", f"Cán bộ {label}", Role.COMMUNE_STAFF, commune)
            self.user(f"xa.{commune.slug}.duyet", f"Lãnh đạo {label}", Role.COMMUNE_APPROVER, commune)
        self.user("huyen.canbo", "Cán bộ OCOP huyện Thạch Thất", Role.DISTRICT_STAFF, district)
        self.user("huyen.duyet", "Lãnh đạo UBND huyện Thạch Thất", Role.DISTRICT_APPROVER, district)
        self.user("huyen.duyet2", "Phó Chủ tịch UBND huyện Thạch Thất", Role.DISTRICT_APPROVER, district)
        for i in (1, 2, 3):
            self.user(f"huyen.hoidong{i}", f"Thành viên hội đồng cấp huyện {i}", Role.DISTRICT_COUNCIL, district)
        self.user("tp.canbo", "Cán bộ OCOP thành phố Hà Nội", Role.CITY_STAFF, city)
        self.user("tp.duyet", "Lãnh đạo UBND thành phố Hà Nội", Role.CITY_APPROVER, city)
        for i in (1, 2, 3):
            self.user(f"tp.hoidong{i}", f"Thành viên hội đồng cấp thành phố {i}", Role.CITY_COUNCIL, city)

    # -- products ----------------------------------------------------------
    def producer(self, name: str, type_: str, unit: AdminUnit) -> Producer:
        name = name.strip() or UNKNOWN_PRODUCER
        found = db.session.scalars(
            select(Producer).where(Producer.unit_id == unit.id, Producer.name == name)
        ).first()
        if found is None:
            found = Producer(name=name, type=PRODUCER_TYPES.get(type_.strip()), unit=unit)
            db.session.add(found)
            db.session.flush()
            self.report.add("producers")
        return found

    def product(self, row: dict, state: tuple[Stage, Status, Level], stars: int | None, note: str) -> None:
        unit = self.place(row["province"], row["district"], row["commune"])
        producer = self.producer(row["subject"], row["subject_type"], unit)
        exists = db.session.scalars(
            select(Product.id).where(Product.name == row["name"].strip(), Product.producer_id == producer.id)
        ).first()
        if exists is not None:
            return
        set_no = int(row["product_set_no"]) if row["product_set_no"].strip() else None
        branch = catalog.branch_of_set(set_no) if set_no else GROUP_BRANCH[row["group"].strip()]
        year = int(row["year"]) if row["year"].strip() else None
        stage, status, level = state
        rule_set_code = "qd148-2023" if (year or 2024) < 2026 else "qd26-2026"
        if stage is Stage.RANKED and rules.get(rule_set_code).recognising_level(stars) == Level.DISTRICT.value:
            level = Level.DISTRICT  # QĐ 148/2023: the district chairperson recognised the ★3
        product = Product(
            name=row["name"].strip(),
            producer=producer,
            product_set_no=set_no,
            branch=branch,
            rule_set_code=rule_set_code,
            stage=stage.value,
            status=status.value,
            level=level.value,
            stars=stars,
            ranked_year=year if stage is Stage.RANKED else None,
            source_url=row["source_url"].strip(),
            source_note=note,
        )
        place_product(product, unit)
        product.search_text = search_text_for(product)
        db.session.add(product)
        if stage is Stage.RANKED and year is not None:
            self.certificate(product, year)
        db.session.add(StageEvent(
            product=product, actor=None, action="import", to_stage=stage.value, to_status=status.value,
            to_level=level.value, reason="", detail=f"demo data: {row['source_url'].strip()}", at=utcnow(),
        ))
        self.report.add("products")

    def certificate(self, product: Product, year: int) -> None:
        """A demo certificate: the sources give the year of recognition only, so the
        number is marked DEMO and the signing date is taken as 1 July of that year."""
        self.report.add("certificates")
        n = self.report.created["certificates"]
        signed_on = dt.date(year, 7, 1)
        rule_set = rules.get(product.rule_set_code)
        db.session.add(Certificate(
            product=product, number=f"DEMO-{year}-{n:04d}", decision_no=f"Quyết định công nhận năm {year} (demo)",
            signed_on=signed_on, valid_until=rule_set.certificate_valid_until(signed_on), stars=product.stars,
            issued_by=product.level, rule_set_code=rule_set.code,
            note="Giấy chứng nhận mẫu (demo): nguồn công khai chỉ nêu năm công nhận; số và ngày ký không phải thật.",
        ))

    def products(self) -> None:
        with (DATA / "ocop_products_real.csv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                stars = int(row["stars"])
                self.product(row, (Stage.RANKED, Status.APPROVED, Level.CITY), stars, row["classification_note"])
        early: dict[str, int] = {}  # per district, so each district's queues get work
        with (DATA / "ocop_products_partial.csv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                note = row["note"]
                if row["stars"].strip():
                    # A council's star without the city's decision: waits for the city.
                    state = (Stage.EVALUATED, Status.AWAITING, Level.CITY)
                    self.product(row, state, int(row["stars"]), note)
                else:
                    n = early.get(row["district"], 0)
                    self.product(row, EARLY_STATES[n % len(EARLY_STATES)], None, note)
                    early[row["district"]] = n + 1


    # -- training, upgrade plans, dossiers (issue 4) ------------------------
    def training_and_dossiers(self, district: AdminUnit) -> None:
        """A course of this cycle attended by the producers of Thạch Thất's products that are
        being trained or upgraded, and for the upgraded ones a plan and dossier items with
        generated demo PDFs (clearly marked as not real papers)."""
        from .dossier.operations import set_planned_evaluation_date
        from .models import CourseAttendee, ProductDossier, TrainingCourse, UpgradeAction
        from .products.operations import local_today

        today = local_today()
        products = db.session.scalars(
            select(Product).where(Product.district_id == district.id,
                                  Product.stage.in_([Stage.TRAINED.value, Stage.UPGRADED.value])
                                  | Product.name.in_(TO_EVALUATION))
            .order_by(Product.id)
        ).all()
        products = [p for p in products if p.rule_set.has_district]  # two-level dossiers: the city's course
        if not products:
            return
        title = f"Tập huấn chu trình OCOP và hoàn thiện hồ sơ sản phẩm năm {today.year} (demo)"
        course = db.session.scalars(select(TrainingCourse).where(
            TrainingCourse.title == title, TrainingCourse.unit_id == district.id)).first()
        if course is None:
            start = dt.date(today.year, 3, 10)
            course = TrainingCourse(
                title=title, organiser_level=Level.DISTRICT.value, unit_id=district.id, cycle_year=today.year,
                starts_on=start, ends_on=start + dt.timedelta(days=1), place="Hội trường UBND huyện Thạch Thất",
                topics="Chu trình OCOP; thiết kế nhãn, bao bì; hồ sơ theo Điều 6 QĐ 26/2026", trainer="Demo",
            )
            db.session.add(course)
            db.session.flush()
            self.report.add("training courses")
        canbo = db.session.scalars(select(User).where(User.username == "huyen.canbo")).first()
        for user in db.session.scalars(select(User).where(User.username.in_(["huyen.canbo", "xa.thachxa"]))):
            if not db.session.scalars(select(CourseAttendee).where(
                    CourseAttendee.course_id == course.id, CourseAttendee.user_id == user.id)).first():
                db.session.add(CourseAttendee(course=course, user_id=user.id, person_name=user.full_name))
                self.report.add("course attendees")
        for product in products:
            if not db.session.scalars(select(CourseAttendee).where(
                    CourseAttendee.course_id == course.id, CourseAttendee.producer_id == product.producer_id)).first():
                db.session.add(CourseAttendee(course=course, producer_id=product.producer_id,
                                              person_name="Đại diện chủ thể (demo)", present=True))
                self.report.add("course attendees")
            if product.stage != Stage.UPGRADED.value:
                continue
            if not db.session.scalars(select(UpgradeAction.id).where(UpgradeAction.product_id == product.id)).first():
                db.session.add_all([
                    UpgradeAction(product_id=product.id, kind="label_design", status="done", cost_vnd=15_000_000,
                                  funding="state", description="Thiết kế lại nhãn (demo)"),
                    UpgradeAction(product_id=product.id, kind="lab_analysis", status="done", cost_vnd=3_500_000,
                                  funding="state", description="Kiểm nghiệm chỉ tiêu an toàn thực phẩm (demo)"),
                ])
                self.report.add("upgrade actions")
            if not db.session.scalars(select(ProductDossier).where(ProductDossier.product_id == product.id)).first():
                set_planned_evaluation_date(product, canbo, dt.date(today.year, 12, 15))
            self.dossier_files(product, canbo, today.year)

    def dossier_files(self, product: Product, actor: User, year: int) -> None:
        """The required dossier items (QĐ 26/2026 Điều 6) of ``product`` as generated demo PDFs,
        those missing only; a food-safety certificate issued two years before ``year``."""
        from flask_babel import force_locale

        from .dossier import checklist
        from .dossier.operations import add_dossier_file
        from .dossier.storage import CheckedFile
        from .models import DossierItem

        for kind, required in checklist.checklist_for(product.branch):
            if not required:
                continue
            if db.session.scalars(select(DossierItem).where(
                    DossierItem.product_id == product.id, DossierItem.code == kind.code)).first():
                continue
            with force_locale("vi"):
                label = str(kind.label)
            name = f"{label} - {product.name} (demo).pdf".replace("/", "-")
            dates = {}
            if kind.code == "food_safety_certificate":
                dates = {"issued_on": dt.date(year - 2, 6, 1), "expires_on": dt.date(year + 1, 6, 1)}
            add_dossier_file(product, actor, kind.code,
                             CheckedFile(name, "application/pdf", demo_pdf(label, product)), **dates)
            self.report.add("dossier files")


def demo_pdf(title: str, product: Product) -> bytes:
    """A one-page PDF saying plainly that it is a demo, not a real paper (fpdf2, core font: ASCII text)."""
    from fpdf import FPDF

    from .text import fold

    pdf = FPDF()
    pdf.set_creator("ocop-app demo")
    pdf.set_compression(False)  # tiny file; its text stays readable
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 10, "DEMO - KHONG PHAI GIAY TO THAT / NOT A REAL DOCUMENT", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=12)
    for line in (fold(title).upper(), f"San pham: {fold(product.name)}", f"Chu the: {fold(product.producer.name)}"):
        pdf.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
DEMO_ROUND = "Đợt đánh giá sản phẩm OCOP huyện Thạch Thất (demo)"

#: Thạch Thất products of the real data (ocop_products_partial.csv) in earlier stages that the demo
#: takes through the workflow to evaluation, so the demo round holds several products.
#: (The third, trained and awaiting confirmation, stays in the district approver's queue.)
TO_EVALUATION = ("Rau hữu cơ Đại Ngàn (rau, củ quả)", "Rau ăn lá, quả (theo mùa)")
#: The step taken from each state on the way to evaluation, and who takes it (None: the commune's approver).
TO_EVALUATION_STEPS = {
    (Stage.REGISTERED, Status.AWAITING, Level.COMMUNE): ("commune_sign_off", None),
    (Stage.REGISTERED, Status.AWAITING, Level.DISTRICT): ("district_accept", "huyen.duyet"),
    (Stage.REGISTERED, Status.APPROVED, Level.DISTRICT): ("record_training", "huyen.canbo"),
    (Stage.TRAINED, Status.AWAITING, Level.DISTRICT): ("confirm_training", "huyen.duyet"),
    (Stage.TRAINED, Status.APPROVED, Level.DISTRICT): ("record_upgrade", "huyen.canbo"),
    (Stage.UPGRADED, Status.AWAITING, Level.DISTRICT): ("send_to_evaluation", "huyen.duyet"),
}


def _to_evaluation(loader: _Loader, district: AdminUnit) -> None:
    """Take the :data:`TO_EVALUATION` products through the workflow with the real operations
    (:func:`ocop_app.products.operations.advance`: guards, four eyes, the audit log) until the
    district sends them to evaluation; their training and, once upgraded, their plan and dossier
    come from :meth:`_Loader.training_and_dossiers`. A product already past these steps is left alone."""
    from .products.operations import advance

    users = {u.username: u for u in db.session.scalars(select(User).where(User.unit_id == district.id))}
    products = db.session.scalars(select(Product).where(Product.district_id == district.id,
                                                        Product.name.in_(TO_EVALUATION)).order_by(Product.id)).all()
    for product in products:
        while (state := (Stage(product.stage), Status(product.status), Level(product.level))) in TO_EVALUATION_STEPS:
            step, username = TO_EVALUATION_STEPS[state]
            if username is None:
                actor = db.session.scalars(select(User).where(User.unit_id == product.commune_id,
                                                              User.role == Role.COMMUNE_APPROVER.value)
                                           .order_by(User.id)).first()
            else:
                actor = users[username]
            if step == "send_to_evaluation":
                loader.training_and_dossiers(district)  # the upgrade plan and the dossier
            advance(product, step, actor)
            loader.report.add("workflow steps")


def _demo_round(loader: _Loader, district: AdminUnit) -> None:
    """A district round chaired by huyen.hoidong1 with huyen.hoidong2 and huyen.hoidong3 as
    members and huyen.canbo as advisory team, holding the Thạch Thất products that wait for
    evaluation, so a council member can score at once. Created once (matched on its name)."""
    from .evaluation import operations as ev
    from .models import CouncilRole, EvaluationRound

    if db.session.scalars(select(EvaluationRound).where(EvaluationRound.name == DEMO_ROUND)).first():
        return
    users = {u.username: u for u in db.session.scalars(select(User).where(User.unit_id == district.id))}
    today = clock.today()
    round_ = ev.create_round(actor=users["huyen.canbo"], name=DEMO_ROUND, starts_on=today,
                             ends_on=today + dt.timedelta(days=30), rule_set_code="qd148-2023")
    organiser = users["huyen.canbo"]
    ev.add_member(round_, users["huyen.hoidong1"], CouncilRole.CHAIR, organiser)
    ev.add_member(round_, users["huyen.hoidong2"], CouncilRole.MEMBER, organiser)
    ev.add_member(round_, users["huyen.hoidong3"], CouncilRole.MEMBER, organiser)
    ev.add_member(round_, organiser, CouncilRole.ADVISOR, organiser)
    for product in ev.eligible_products(round_):
        if product.product_set_no is not None:
            ev.add_product(round_, product, organiser)
    loader.report.add("evaluation rounds")


def load() -> LoadReport:
    """Load the score sheets, the demo units, users and products, an open district evaluation
    round, Thạch Thất's closed 2024 district round under QĐ 148/2023 and an open 2026 city round
    under QĐ 26/2026; commit; return what was created.

    Idempotent: a second run creates nothing.
    """
    from .evaluation.sheets import load_all

    loader = _Loader()
    for name, outcome in load_all().items():
        if outcome != "unchanged":
            loader.report.add("score sheet versions")
    city, district, communes = loader.home_units()
    loader.users(city, district, communes)
    loader.products()
    loader.training_and_dossiers(district)
    _to_evaluation(loader, district)
    _demo_plan(loader, district)
    db.session.flush()
    _demo_round(loader, district)
    _round_2024(loader, district, city)
    _round_2026(loader, district, city)
    _reevaluation_sample(loader, district)
    db.session.commit()
    return loader.report


def _demo_plan(loader: _Loader, district: AdminUnit) -> None:
    """A district plan with the targets of the issue's example (115 products, 20 at city level,
    1 national, everyone trained). Marked demo: it is not a real document."""
    from .models import Plan, PlanTarget

    number = "DEMO-01/KH-UBND"
    if db.session.scalars(select(Plan).where(Plan.unit_id == district.id, Plan.number == number)).first():
        return
    plan = Plan(unit=district, number=number, title="Kế hoạch thực hiện Chương trình OCOP năm 2026 (demo)",
                issued_on=dt.date(2026, 2, 10), year_from=2026, year_to=2026,
                note="Kế hoạch mẫu để thử; không phải văn bản thật.")
    for metric, value in (("registered", 115), ("ranked_city", 20), ("ranked_national", 1),
                          ("officials_trained_pct", 100), ("producers_trained_pct", 100)):
        plan.targets.append(PlanTarget(metric=metric, branch=None, value=value))
    db.session.add(plan)
    loader.report.add("plans")


# --------------------------------------------------------------------------
# Rules over time: a 2024 district round under QĐ 148/2023, a 2026 city round under QĐ 26/2026
# --------------------------------------------------------------------------

ROUND_2024 = "Đợt đánh giá cấp huyện năm 2024"
ROUND_2024_CITY = "Đợt đánh giá cấp thành phố năm 2024"
ROUND_2026 = "Đợt đánh giá cấp thành phố năm 2026"


@dataclass(frozen=True)
class DemoDossier:
    """A demo product taken through the workflow: its place, set (QĐ 26/2026 Phụ lục I) and,
    for a round the demo closes, the three members' sheet totals and the star level whose
    minimum requirements every sheet meets (``None``: none)."""

    name: str
    producer: str
    producer_type: str  # a key of PRODUCER_TYPES
    commune: str
    set_no: int
    totals: tuple[int, int, int] = ()
    floor_stars: int | None = None


#: The 2024 round's products. The public sources give no Thạch Thất product scored in a
#: 2024 district round with its points, so these are demo products, named as such: one ★3
#: (recognised by the district, QĐ 148/2023), one ★4 (proposed to the city, which recognises it),
#: one below ★3 (not recognised).
DOSSIERS_2024 = (
    DemoDossier("Trà hoa cúc Hương Ngải (sản phẩm mẫu, đợt 2024)", "HTX Trà hoa Hương Ngải (mẫu)",
                "Hợp tác xã", "Hương Ngải", 12, (60, 62, 64), 3),
    DemoDossier("Bánh gai lá gai Phùng Xá (sản phẩm mẫu, đợt 2024)", "Cơ sở Bánh gai Phùng Xá (mẫu)",
                "Hộ kinh doanh", "Phùng Xá", 6, (78, 80, 82), 4),
    DemoDossier("Mật ong hoa nhãn Tiến Xuân (sản phẩm mẫu, đợt 2024)", "Tổ hợp tác nuôi ong Tiến Xuân (mẫu)",
                "Tổ hợp tác", "Tiến Xuân", 4, (40, 42, 44), None),
)
#: The 2026 dossiers: registered under QĐ 26/2026, commune review → city, waiting in the city round.
DOSSIERS_2026 = (
    DemoDossier("Chè búp Yên Bình (hồ sơ mẫu 2026)", "HTX Chè Yên Bình (mẫu)", "Hợp tác xã", "Yên Bình", 11),
    DemoDossier("Bột sắn dây Cần Kiệm (hồ sơ mẫu 2026)", "Hộ sản xuất sắn dây Cần Kiệm (mẫu)",
                "Hộ kinh doanh", "Cần Kiệm", 7),
)


def _at(y: int, m: int, d: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(y, m, d, hour, 0, tzinfo=clock.LOCAL_TZ)


def choices_for_total(criteria, target: int, floor_stars: int | None) -> dict[int, int]:
    """``{criterion id: option id}`` whose points add up to exactly ``target``, every criterion
    at least at its ``floor_stars`` minimum (the ``***``/``****`` marks), so a council reaching a
    band is not held back. Deterministic (first solution by sheet order).

    :raises ValueError: no combination reaches ``target``.
    """
    from decimal import Decimal

    reach: dict[int, dict[int, int]] = {0: {}}
    goal = int(Decimal(target) * 2)
    for c in criteria:
        floor = None
        if floor_stars is not None:
            marked = [o.points for o in c.options if o.min_stars is not None and o.min_stars <= floor_stars]
            floor = max(marked) if marked else None
        nxt: dict[int, dict[int, int]] = {}
        for total, picks in reach.items():
            for o in c.options:
                if floor is not None and o.points < floor:
                    continue
                t = total + int(o.points * 2)
                if t <= goal and t not in nxt:
                    nxt[t] = {**picks, c.id: o.id}
        reach = nxt
    if goal not in reach:
        raise ValueError(f"no choice of options gives {target} points")
    return reach[goal]


class _Passage:
    """Takes demo dossiers through the real operations, each step at a fixed moment
    (:func:`ocop_app.clock.frozen`), so their timelines read as they happened."""

    def __init__(self, loader: _Loader, district: AdminUnit, city: AdminUnit) -> None:
        self.loader, self.district, self.city = loader, district, city
        self.users = {u.username: u for u in db.session.scalars(
            select(User).where(User.unit_id.in_([district.id, city.id])))}

    def commune(self, name: str) -> AdminUnit:
        return db.session.scalars(select(Commune).where(Commune.name == name, Commune.parent_id == self.district.id)).one()

    def commune_user(self, commune: AdminUnit, role: Role) -> User:
        return db.session.scalars(select(User).where(User.unit_id == commune.id, User.role == role.value)
                                  .order_by(User.id)).first()

    def register(self, item: DemoDossier, rule_set_code: str, when: dt.datetime) -> Product:
        from .products.operations import register

        commune = self.commune(item.commune)
        producer = self.loader.producer(item.producer, item.producer_type, commune)
        with clock.frozen(when):
            product = register(name=item.name, producer=producer, commune=commune, product_set_no=item.set_no,
                               branch=None, actor=self.commune_user(commune, Role.COMMUNE_STAFF),
                               rule_set_code=rule_set_code,
                               description="Sản phẩm mẫu để thử phần mềm (demo); không phải sản phẩm thật.")
            product.created_at = clock.now()
        self.loader.report.add("demo sample products")
        return product

    def step(self, product: Product, name: str, actor: User | str, when: dt.datetime, **kwargs) -> None:
        from .products.operations import advance

        actor = self.users[actor] if isinstance(actor, str) else actor
        with clock.frozen(when):
            advance(product, name, actor, **kwargs)
        self.loader.report.add("workflow steps")

    def course(self, title: str, organiser: User, year: int, start: dt.date, producers: list[int]):
        from .models import CourseAttendee, TrainingCourse

        course = db.session.scalars(select(TrainingCourse).where(
            TrainingCourse.title == title, TrainingCourse.unit_id == organiser.unit_id)).first()
        if course is None:
            course = TrainingCourse(
                title=title, organiser_level=Role(organiser.role).level.value, unit_id=organiser.unit_id,
                cycle_year=year, starts_on=start, ends_on=start + dt.timedelta(days=1), created_by_id=organiser.id,
                place=f"Hội trường UBND {organiser.unit.display_name}", trainer="Demo",
                topics="Chu trình OCOP; hồ sơ đánh giá, phân hạng; nhãn, bao bì")
            db.session.add(course)
            db.session.flush()
            self.loader.report.add("training courses")
        for producer_id in producers:
            db.session.add(CourseAttendee(course=course, producer_id=producer_id,
                                          person_name="Đại diện chủ thể (demo)", present=True))
            self.loader.report.add("course attendees")
        return course

    def upgrade(self, product: Product, actor: User, when: dt.datetime, planned_on: dt.date) -> None:
        """The upgrade plan (done) and the dossier, as the officer records them at ``when``."""
        from .dossier.operations import set_planned_evaluation_date
        from .models import UpgradeAction

        with clock.frozen(when):
            db.session.add(UpgradeAction(product_id=product.id, kind="label_design", status="done",
                                         cost_vnd=12_000_000, funding="state", description="Thiết kế lại nhãn (demo)"))
            self.loader.report.add("upgrade actions")
            self.loader.dossier_files(product, actor, when.year)
            set_planned_evaluation_date(product, actor, planned_on)

    def open_round(self, name: str, organiser: str, rule_set_code: str, starts_on: dt.date, ends_on: dt.date,
                   council: tuple[str, str, str], products: list[Product], when: dt.datetime):
        from .evaluation import operations as ev
        from .models import CouncilRole

        actor = self.users[organiser]
        with clock.frozen(when):
            round_ = ev.create_round(actor=actor, name=name, starts_on=starts_on, ends_on=ends_on,
                                     rule_set_code=rule_set_code)
            ev.add_member(round_, self.users[council[0]], CouncilRole.CHAIR, actor)
            for username in council[1:]:
                ev.add_member(round_, self.users[username], CouncilRole.MEMBER, actor)
            ev.add_member(round_, actor, CouncilRole.ADVISOR, actor)
            for product in products:
                ev.add_product(round_, product, actor)
        self.loader.report.add("evaluation rounds")
        return round_


def _round_2024(loader: _Loader, district: AdminUnit, city: AdminUnit) -> None:
    """Thạch Thất's 2024 district round under QĐ 148/2023 (three levels), run through the real
    operations with the clock fixed at each step: registration at the commune, the district's
    acceptance, training and upgrading, the round (council huyen.hoidong1 chair, 2, 3) whose
    members submit their sheets, the chair's close, then the district chairperson recognising
    the ★3 (certificate issued by the district), proposing the ★4 to the city (which recognises it)
    and closing the one below ★3. Created once (matched on the round's name)."""
    from .models import EvaluationRound

    if db.session.scalars(select(EvaluationRound).where(EvaluationRound.name == ROUND_2024)).first():
        return
    run = _Passage(loader, district, city)
    products = []
    for item in DOSSIERS_2024:
        product = run.register(item, "qd148-2023", _at(2024, 3, 4))
        commune = product.commune
        run.step(product, "submit", run.commune_user(commune, Role.COMMUNE_STAFF), _at(2024, 3, 5))
        run.step(product, "commune_sign_off", run.commune_user(commune, Role.COMMUNE_APPROVER), _at(2024, 3, 11))
        run.step(product, "district_accept", "huyen.duyet", _at(2024, 3, 18))
        products.append(product)
    run.course("Tập huấn chu trình OCOP năm 2024 (demo)", run.users["huyen.canbo"], 2024, dt.date(2024, 4, 9),
               [p.producer_id for p in products])
    for product in products:
        run.step(product, "record_training", "huyen.canbo", _at(2024, 4, 15))
        run.step(product, "confirm_training", "huyen.duyet", _at(2024, 4, 17))
        run.step(product, "record_upgrade", "huyen.canbo", _at(2024, 7, 1))
        run.upgrade(product, run.users["huyen.canbo"], _at(2024, 8, 20), dt.date(2024, 9, 20))
        run.step(product, "send_to_evaluation", "huyen.duyet", _at(2024, 8, 26))
    round_ = run.open_round(ROUND_2024, "huyen.canbo", "qd148-2023", dt.date(2024, 9, 16), dt.date(2024, 9, 27),
                            ("huyen.hoidong1", "huyen.hoidong2", "huyen.hoidong3"), products, _at(2024, 9, 3))
    _score_and_close(loader, run, round_, zip(DOSSIERS_2024, products),
                     ("huyen.hoidong1", "huyen.hoidong2", "huyen.hoidong3"), _at(2024, 9, 20, 10),
                     _at(2024, 9, 27, 16))
    recognised, proposed, below = products
    run.step(recognised, "district_confirm_ranking", "huyen.duyet", _at(2024, 10, 15), certificate={
        "decision_no": "DEMO-2468/QĐ-UBND huyện Thạch Thất", "signed_on": dt.date(2024, 10, 15),
        "certificate_no": "DEMO-TT-2024-001"})
    run.step(proposed, "propose_to_city", "huyen.duyet", _at(2024, 10, 15))
    run.step(below, "close_not_recognised", "huyen.duyet", _at(2024, 10, 15))
    # The city council scores what the district proposed (QĐ 148/2023) before the city recognises ★4.
    item = DOSSIERS_2024[products.index(proposed)]
    city_round = run.open_round(ROUND_2024_CITY, "tp.canbo", "qd148-2023", dt.date(2024, 11, 18),
                                dt.date(2024, 11, 29), ("tp.hoidong1", "tp.hoidong2", "tp.hoidong3"), [proposed],
                                _at(2024, 11, 4))
    _score_and_close(loader, run, city_round, [(item, proposed)], ("tp.hoidong1", "tp.hoidong2", "tp.hoidong3"),
                     _at(2024, 11, 22, 10), _at(2024, 11, 29, 16))
    run.step(proposed, "confirm_ranking", "tp.duyet", _at(2024, 12, 10), certificate={
        "decision_no": "DEMO-5791/QĐ-UBND thành phố Hà Nội", "signed_on": dt.date(2024, 12, 10),
        "certificate_no": "DEMO-HN-2024-001"})
    loader.report.add("certificates")
    loader.report.add("certificates")


REEVALUATION_SAMPLE = "Miến dong Cần Kiệm (sản phẩm mẫu, đến hạn đánh giá lại)"


def _reevaluation_sample(loader: _Loader, district: AdminUnit) -> None:
    """A ranked ★4 sample product whose certificate is in its re-evaluation window on the day the
    demo is loaded (signed 36 months before today + 150 days, so it expires in 150 days and the
    window of QĐ 26/2026 Điều 4, 180–120 days before expiry, is open for another 30 days): a commune
    officer (xa.cankiem) or the city can file the re-evaluation, and the city run it as a
    written-opinion round. Created once (matched on its name)."""
    if db.session.scalars(select(Product.id).where(Product.name == REEVALUATION_SAMPLE)).first():
        return
    commune = db.session.scalars(select(Commune).where(Commune.name == "Cần Kiệm",
                                                       Commune.parent_id == district.id)).one()
    producer = loader.producer("HTX Nông sản Cần Kiệm (mẫu)", "Hợp tác xã", commune)
    rule_set = rules.get("qd148-2023")
    expires = clock.today() + dt.timedelta(days=150)
    signed_on = expires.replace(year=expires.year - rule_set.certificate_months // 12)
    product = Product(name=REEVALUATION_SAMPLE, producer=producer, product_set_no=6,
                      branch=catalog.branch_of_set(6), rule_set_code=rule_set.code, stage=Stage.RANKED.value,
                      status=Status.APPROVED.value, level=Level.CITY.value, stars=4, score=Decimal("74.5"),
                      ranked_on=signed_on, ranked_year=signed_on.year,
                      description="Sản phẩm mẫu để thử phần mềm (demo); không phải sản phẩm thật.",
                      source_note="Ngày ký giấy chứng nhận được chọn khi nạp dữ liệu mẫu để thời hạn đề nghị "
                                  "đánh giá lại đang mở.")
    place_product(product, commune)
    product.search_text = search_text_for(product)
    db.session.add(product)
    db.session.add(Certificate(
        product=product, number=f"DEMO-HN-{signed_on.year}-RE1", decision_no="Quyết định công nhận (demo)",
        signed_on=signed_on, valid_until=rule_set.certificate_valid_until(signed_on), stars=4,
        issued_by=Level.CITY.value, rule_set_code=rule_set.code,
        note="Giấy chứng nhận mẫu (demo), đang trong thời hạn đề nghị đánh giá lại."))
    db.session.add(StageEvent(product=product, actor=None, action="import", to_stage=Stage.RANKED.value,
                              to_status=Status.APPROVED.value, to_level=Level.CITY.value, reason="",
                              detail="demo data: re-evaluation sample", at=utcnow()))
    loader.report.add("demo sample products")
    loader.report.add("certificates")


def _score_and_close(loader: _Loader, run: _Passage, round_, items, members: tuple[str, str, str],
                     submitted: dt.datetime, closed: dt.datetime) -> None:
    """Each of ``members`` submits a sheet for each ``(dossier, product)`` of ``items`` with the
    dossier's totals (at ``submitted``); the first member, the chair, closes the round (at ``closed``),
    which takes each product's workflow step."""
    from .evaluation import operations as ev
    from .models import RoundProduct, ScoreSheet

    for item, product in items:
        entry = db.session.scalars(select(RoundProduct).where(RoundProduct.round_id == round_.id,
                                                              RoundProduct.product_id == product.id)).one()
        criteria = ev.criteria_of(entry.sheet_set)
        for username, total in zip(members, item.totals):
            member = run.users[username]
            sheet = db.session.scalars(select(ScoreSheet).where(ScoreSheet.round_product_id == entry.id,
                                                                ScoreSheet.member_id == member.id)).one()
            with clock.frozen(submitted):
                ev.submit_sheet(sheet, member, choices_for_total(criteria, total, item.floor_stars),
                                "Phiếu mẫu (demo).", criteria)
            loader.report.add("score sheets submitted")
    with clock.frozen(closed):
        ev.close_round(round_, run.users[members[0]])


def _round_2026(loader: _Loader, district: AdminUnit, city: AdminUnit) -> None:
    """Dossiers registered in 2026 under QĐ 26/2026 (two levels: the commune reviews and sends to
    the city, no district step), trained and upgraded by the city, waiting in the open city round
    (tp.hoidong1 chair, tp.hoidong2, tp.hoidong3) so a city council member can score at once.
    Created once (matched on the round's name)."""
    from .models import EvaluationRound

    if db.session.scalars(select(EvaluationRound).where(EvaluationRound.name == ROUND_2026)).first():
        return
    run = _Passage(loader, district, city)
    products = []
    for item in DOSSIERS_2026:
        product = run.register(item, "qd26-2026", _at(2026, 6, 1))
        commune = product.commune
        run.step(product, "submit", run.commune_user(commune, Role.COMMUNE_STAFF), _at(2026, 6, 2))
        run.step(product, "commune_send_to_city", run.commune_user(commune, Role.COMMUNE_APPROVER), _at(2026, 6, 10))
        run.step(product, "city_accept", "tp.duyet", _at(2026, 6, 15))
        products.append(product)
    run.course("Tập huấn hồ sơ OCOP theo Quyết định 26/2026/QĐ-TTg (demo)", run.users["tp.canbo"], 2026,
               dt.date(2026, 7, 7), [p.producer_id for p in products])
    for product in products:
        run.step(product, "city_record_training", "tp.canbo", _at(2026, 7, 10))
        run.step(product, "city_confirm_training", "tp.duyet", _at(2026, 7, 13))
        run.step(product, "city_record_upgrade", "tp.canbo", _at(2026, 9, 1))
        run.upgrade(product, run.users["tp.canbo"], _at(2026, 11, 10), dt.date(2026, 12, 15))
        run.step(product, "city_send_to_evaluation", "tp.duyet", _at(2026, 11, 16))
    run.open_round(ROUND_2026, "tp.canbo", "qd26-2026", dt.date(2026, 12, 1), dt.date(2026, 12, 28),
                   ("tp.hoidong1", "tp.hoidong2", "tp.hoidong3"), products, _at(2026, 11, 23))
