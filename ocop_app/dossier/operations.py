"""Operations on upgrade plans, dossiers, files and self-assessments.

Like :mod:`ocop_app.products.operations`: each function changes data and
flushes; views commit once. Rows keep who changed them (``updated_by``,
``uploaded_by``); the product's workflow timeline stays for workflow steps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import DossierItem, EvaluationRound, Product, ProductDossier, RoundProduct, RoundStatus, \
    SelfAssessment, SelfAssessmentChoice, StoredFile, UpgradeAction, User
from ..products.operations import InvalidInput, local_today
from ..workflow import Level, Stage, Status
from . import checklist, storage


def frozen(product: Product) -> bool:
    """Whether the product's dossier and upgrade plan are closed to changes: once the district
    has sent it to evaluation (upgraded/approved, or any later stage), the council judges the
    papers that were checked. Re-evaluation of a ranked product is a later workflow."""
    order = Stage(product.stage).order
    return order > Stage.UPGRADED.order or (product.stage == Stage.UPGRADED.value
                                            and product.status == Status.APPROVED.value)


# --------------------------------------------------------------------------
# Planned evaluation date
# --------------------------------------------------------------------------


def planned_evaluation_date(product: Product) -> dt.date | None:
    """The date the product is planned to be evaluated, or ``None``.

    In order: the per-product ``ProductDossier.planned_evaluation_on`` set by district
    staff; else the first day of the open evaluation round (đợt đánh giá) the product is
    in; else the first day of the next open round at its unit and level (its district's,
    or its city's once at the city), one not yet ended on today's date. Expiry dates of
    the dossier are checked against it (QĐ 26/2026 Phụ lục II: papers valid at evaluation).
    """
    own = own_planned_date(product)
    return own if own is not None else round_date(product)


def own_planned_date(product: Product) -> dt.date | None:
    """The per-product planned date set by district staff, or ``None``."""
    return db.session.scalar(
        select(ProductDossier.planned_evaluation_on).where(ProductDossier.product_id == product.id)
    )


def round_date(product: Product) -> dt.date | None:
    """``starts_on`` of the open round holding ``product``, else of the next open round of its
    district (city, for a product at the city level) not yet ended; ``None`` without one."""
    in_round = db.session.scalar(
        select(EvaluationRound.starts_on).join(RoundProduct)
        .where(RoundProduct.product_id == product.id, EvaluationRound.status == RoundStatus.OPEN.value)
        .order_by(EvaluationRound.starts_on.desc()).limit(1)
    )
    if in_round is not None:
        return in_round
    at_city = product.level == Level.CITY.value
    unit_id = product.city_id if at_city else product.district_id
    level = Level.CITY if at_city else Level.DISTRICT
    return db.session.scalar(
        select(EvaluationRound.starts_on)
        .where(EvaluationRound.unit_id == unit_id, EvaluationRound.level == level.value,
               EvaluationRound.status == RoundStatus.OPEN.value, EvaluationRound.ends_on >= local_today())
        .order_by(EvaluationRound.starts_on, EvaluationRound.id).limit(1)
    )


def set_planned_evaluation_date(product: Product, actor: User, day: dt.date | None) -> ProductDossier:
    """Set (or clear) the planned evaluation date of ``product``."""
    row = db.session.scalars(select(ProductDossier).where(ProductDossier.product_id == product.id)).first()
    if row is None:
        row = ProductDossier(product_id=product.id)
        db.session.add(row)
    row.planned_evaluation_on = day
    row.updated_by_id = actor.id if actor else None
    db.session.flush()
    return row


# --------------------------------------------------------------------------
# Dossier checklist
# --------------------------------------------------------------------------


@dataclass
class ChecklistRow:
    """One line of the checklist page: the kind, whether required, the item (if any), and problems."""

    kind: checklist.ItemKind
    required: bool
    item: DossierItem | None
    files: list[StoredFile] = field(default_factory=list)
    problem: object | None = None  # translated message, None when fine


def checklist_rows(product: Product, on: dt.date | None = None) -> list[ChecklistRow]:
    """The product's dossier against the checklist of its branch (QĐ 26/2026, Điều 6).

    :param on: the planned evaluation date; an item whose ``expires_on`` is before it
        is reported as expiring. ``None`` = the product's planned date.
    """
    on = on if on is not None else planned_evaluation_date(product)
    items = {i.code: i for i in db.session.scalars(select(DossierItem).where(DossierItem.product_id == product.id))}
    files: dict[int, list[StoredFile]] = {}
    if items:
        for f in db.session.scalars(
            select(StoredFile).where(StoredFile.product_id == product.id, StoredFile.dossier_item_id.is_not(None))
            .order_by(StoredFile.id)
        ):
            files.setdefault(f.dossier_item_id, []).append(f)
    rows = []
    for kind, required in checklist.checklist_for(product.branch):
        item = items.get(kind.code)
        item_files = files.get(item.id, []) if item else []
        problem = None
        if not item_files:
            if required:
                problem = _l("Missing")
        elif item.expires_on is not None and on is not None and item.expires_on < on:
            problem = _l("Expires on %(day)s, before the planned evaluation date %(on)s",
                         day=item.expires_on.strftime("%d/%m/%Y"), on=on.strftime("%d/%m/%Y"))
        rows.append(ChecklistRow(kind, required, item, item_files, problem))
    return rows


def dossier_problems(product: Product) -> list[str]:
    """Why the product cannot be sent to evaluation because of its dossier; empty when ready.

    Each entry names a required item: "Lab test report …: Missing" or "…: Expires on …, before the
    planned evaluation date …" (optional items out of date are flagged on the page only). A planned evaluation
    date is needed to check expiry dates (knock-out: "không đáp ứng về hồ sơ", every
    sheet of QĐ 26/2026 Phụ lục II).
    """
    on = planned_evaluation_date(product)
    problems = []
    if on is None:
        problems.append(str(_l("The planned evaluation date is not set.")))
    for row in checklist_rows(product, on):
        if row.problem is not None and row.required:  # an optional paper out of date is shown, not blocking
            problems.append(f"{row.kind.label}: {row.problem}")
    return problems


def add_dossier_file(product: Product, actor: User, code: str, checked: storage.CheckedFile, *,
                     issued_on: dt.date | None = None, expires_on: dt.date | None = None,
                     note: str = "") -> StoredFile:
    """Attach an uploaded file to the dossier item ``code`` (created if needed); set its dates.

    :raises InvalidInput: unknown item code, or an expiry date before the issue date.
    """
    if code not in checklist.ITEMS_BY_CODE:
        raise InvalidInput({"code": _l("Choose a dossier item.")})
    if issued_on and expires_on and expires_on < issued_on:
        raise InvalidInput({"expires_on": _l("The expiry date is before the issue date.")})
    item = db.session.scalars(
        select(DossierItem).where(DossierItem.product_id == product.id, DossierItem.code == code)
    ).first()
    if item is None:
        item = DossierItem(product_id=product.id, code=code)
        db.session.add(item)
    if issued_on is not None:
        item.issued_on = issued_on
    if expires_on is not None:
        item.expires_on = expires_on
    if note:
        item.note = note.strip()
    item.updated_by_id = actor.id if actor else None
    db.session.flush()
    return _store(product, actor, checked, dossier_item_id=item.id)


def update_dossier_dates(item: DossierItem, actor: User, issued_on: dt.date | None,
                         expires_on: dt.date | None) -> None:
    """Correct an item's issue and expiry dates (a renewed certificate keeps its file list).

    :raises InvalidInput: an expiry date before the issue date.
    """
    if issued_on and expires_on and expires_on < issued_on:
        raise InvalidInput({"expires_on": _l("The expiry date is before the issue date.")})
    item.issued_on, item.expires_on, item.updated_by_id = issued_on, expires_on, (actor.id if actor else None)
    db.session.flush()


def remove_file(row: StoredFile) -> str:
    """Delete a file's row; returns its stored name, to discard from disk after the commit."""
    db.session.delete(row)
    db.session.flush()
    return row.stored_name


def discard_stored(stored_name: str) -> None:
    """Remove a stored file from disk (after its row is gone); a missing file is fine."""
    try:
        storage.path_of(stored_name).unlink(missing_ok=True)
    except FileNotFoundError:
        pass


def _store(product: Product, actor: User | None, checked: storage.CheckedFile, **owner) -> StoredFile:
    stored_name, digest = storage.save(checked)
    row = StoredFile(
        product_id=product.id, original_name=checked.original_name, stored_name=stored_name,
        content_type=checked.content_type, size=checked.size, sha256=digest,
        uploaded_by_id=actor.id if actor else None, **owner,
    )
    db.session.add(row)
    db.session.flush()
    return row


# --------------------------------------------------------------------------
# Upgrade plan
# --------------------------------------------------------------------------


def save_action(product: Product, actor: User, action: UpgradeAction | None, *, kind: str, description: str,
                status: str, drop_reason: str, cost_vnd: int | None, funding: str | None,
                starts_on: dt.date | None, ends_on: dt.date | None,
                evidence: storage.CheckedFile | None = None) -> UpgradeAction:
    """Create (``action=None``) or update one action of the product's upgrade plan.

    :raises InvalidInput: unknown kind/status/funding, "dropped" without a reason,
        a negative cost, an end date before the start date.
    """
    errors = {}
    if kind not in checklist.ACTION_KINDS:
        errors["kind"] = _l("Choose an action from the list.")
    if status not in checklist.ACTION_STATUSES:
        errors["status"] = _l("Choose a status.")
    drop_reason = (drop_reason or "").strip()
    if status == "dropped" and not drop_reason:
        errors["drop_reason"] = _l("Say why the action is dropped.")
    if funding and funding not in checklist.FUNDING:
        errors["funding"] = _l("Choose a funding source.")
    if cost_vnd is not None and cost_vnd < 0:
        errors["cost"] = _l("The cost cannot be negative.")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _l("The end date is before the start date.")
    if kind == "other" and not (description or "").strip():
        errors["description"] = _l("Describe the action.")
    if errors:
        raise InvalidInput(errors)
    if action is None:
        action = UpgradeAction(product_id=product.id)
        db.session.add(action)
    action.kind, action.description, action.status = kind, (description or "").strip(), status
    action.drop_reason = drop_reason if status == "dropped" else ""
    action.cost_vnd, action.funding = cost_vnd, funding or None
    action.starts_on, action.ends_on = starts_on, ends_on
    action.updated_by_id = actor.id if actor else None
    db.session.flush()
    if evidence is not None:
        _store(product, actor, evidence, upgrade_action_id=action.id)
    return action


def plan_problems(product: Product) -> list[str]:
    """Why the upgrading sign-off is not open: no action recorded, or actions neither done
    nor dropped with a reason (each named). Empty when the plan is finished."""
    actions = db.session.scalars(
        select(UpgradeAction).where(UpgradeAction.product_id == product.id).order_by(UpgradeAction.id)
    ).all()
    if not actions:
        return [str(_l("No upgrade action has been recorded."))]
    problems = []
    for a in actions:
        label = checklist.ACTION_KINDS.get(a.kind, a.kind)
        name = f"{label}" + (f" ({a.description})" if a.description else "")
        if a.status == "dropped" and not a.drop_reason.strip():
            problems.append(str(_l("%(action)s: dropped without a reason", action=name)))
        elif a.status not in ("done", "dropped"):
            problems.append(str(_l("%(action)s: %(status)s", action=name,
                                   status=checklist.ACTION_STATUSES.get(a.status, a.status))))
    return problems


# --------------------------------------------------------------------------
# Self-assessment (mẫu 02)
# --------------------------------------------------------------------------


def save_self_assessment(product: Product, actor: User, sheet_version: str, set_no: int,
                         choices: dict[str, int]) -> SelfAssessment:
    """Store the producer's chosen option index per criterion code (replacing earlier choices).

    ``choices`` maps criterion code → index into that criterion's options on the
    sheet ``(sheet_version, set_no)``; callers validate indices against the sheet.
    """
    row = db.session.scalars(select(SelfAssessment).where(SelfAssessment.product_id == product.id)).first()
    if row is None:
        row = SelfAssessment(product_id=product.id, sheet_version=sheet_version, set_no=set_no)
        db.session.add(row)
    if (row.sheet_version, row.set_no) != (sheet_version, set_no):
        row.choices.clear()
        row.sheet_version, row.set_no = sheet_version, set_no
    existing = {c.criterion_code: c for c in row.choices}
    for code, index in choices.items():
        if code in existing:
            existing[code].option_index = index
        else:
            row.choices.append(SelfAssessmentChoice(criterion_code=code, option_index=index))
    row.updated_by_id = actor.id if actor else None
    db.session.flush()
    return row
