"""Administrative change: mergers of communes and the end of the district level.

A merger is data: rows of ``old unit → new unit, whole or part`` with the date
and the legal source (``ocop_app/data/thach_that_2025_merger.csv``: NQ
1656/NQ-UBTVQH15, in force 1/7/2025). :func:`load_successions` records the rows
and creates the new units; :func:`apply_successions` then

- for a unit merged **wholly** into one successor: moves its products,
  producers and users to the successor, ends the old unit
  (``valid_to``, ``successor``) and logs a ``relocate`` event on each product,
  so every product keeps its whole history;
- for a unit **split** over several successors: moves nothing, but puts each of
  its products on a confirmation list (:class:`Relocation`) with a proposed
  successor, for a person to confirm (:func:`confirm`);
- for a district whose communes are all gone: ends the district and re-routes
  every product still in flight under a three-level rule set to the two-level
  rule set (commune → city), logging a ``reroute`` event with both decisions;
- then puts every account still attached to an ended unit (the district's
  officers, approvers and council members; a split commune's officials) on
  the administrator's account review (:mod:`ocop_app.units.accounts`).

Everything here flushes; the caller commits.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from .. import clock, rules, workflow
from ..extensions import db
from ..models import AccountEvent, AdminUnit, City, Commune, District, Producer, Product, Relocation, StageEvent, UnitSuccession, User
from ..products.operations import Conflict, InvalidInput, place_product, search_text_for
from ..workflow import Level, Role, Stage, Status

MERGER_2025 = Path(__file__).resolve().parent.parent / "data" / "thach_that_2025_merger.csv"


@dataclass
class MergerReport:
    """What one application of a merger did (counts and names, for the command's output)."""

    counts: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def add(self, kind: str, n: int = 1) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + n

    def __str__(self) -> str:
        text = ", ".join(f"{n} {kind}" for kind, n in sorted(self.counts.items())) or "nothing to do"
        if self.skipped:
            text += f"; not in the database: {', '.join(self.skipped)}"
        return text


class MergerFileError(ValueError):
    """A merger file that cannot be applied; the message names the line and the column."""


MERGER_COLUMNS = ("old_unit", "old_unit_type", "old_district", "new_commune", "new_commune_type", "new_code",
                  "whole_or_part", "effective_date", "source_url", "note")


def read_merger_file(path: Path) -> list[dict[str, str]]:
    """The rows of a merger file, checked before anything is written.

    :raises MergerFileError: not UTF-8 CSV, a column missing, an empty name, ``whole_or_part``
        not ``whole``/``part``, or an ``effective_date`` that is not a YYYY-MM-DD date.
    """
    try:
        with Path(path).open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in MERGER_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise MergerFileError(f"{path}: missing columns: {', '.join(missing)} "
                                      f"(expected: {', '.join(MERGER_COLUMNS)})")
            rows = list(reader)
    except UnicodeDecodeError as exc:
        raise MergerFileError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    for line, row in enumerate(rows, start=2):
        for column in ("old_unit", "old_district", "new_commune"):
            if not (row.get(column) or "").strip():
                raise MergerFileError(f"{path}, line {line}: {column} is empty")
        if (row.get("whole_or_part") or "").strip() not in ("whole", "part"):
            raise MergerFileError(f"{path}, line {line}: whole_or_part must be 'whole' or 'part', "
                                  f"not {row.get('whole_or_part')!r}")
        try:
            dt.date.fromisoformat((row.get("effective_date") or "").strip())
        except ValueError as exc:
            raise MergerFileError(f"{path}, line {line}: effective_date {row.get('effective_date')!r} "
                                  "is not a date (YYYY-MM-DD)") from exc
        for column in MERGER_COLUMNS:
            row[column] = (row.get(column) or "").strip()
    return rows


def load_successions(path: Path = MERGER_2025, report: MergerReport | None = None) -> MergerReport:
    """Record the rows of a merger file and create the new units (idempotent).

    Columns: ``old_unit, old_unit_type, old_district, new_commune, new_commune_type,
    new_code, whole_or_part, effective_date, source_url, note``. Old units are looked up
    by name under their district; a row whose old unit is not in the database is skipped
    (and named in the report); a malformed file writes nothing (:class:`MergerFileError`, from
    :func:`read_merger_file`). New communes are placed directly under the old district's
    city (two-tier local government, no district). Of a split unit's rows, the first is the
    successor the app proposes for its records and accounts: the file lists first the one that
    took the larger part where a source gives it (Tiến Xuân: Yên Xuân, 21.62 of 21.68 km2 and
    all its people, although NQ 1656 names Hòa Lạc's small part first, in khoản 96).
    """
    report = report or MergerReport()
    rows = read_merger_file(path)
    for row in rows:
        district = db.session.scalars(select(District).where(District.name == row["old_district"])).first()
        old = None
        if district is not None:
            old = db.session.scalars(select(Commune).where(
                Commune.name == row["old_unit"], Commune.parent_id == district.id)).first()
        if old is None:
            kind, name = row["old_unit_type"], row["old_unit"]
            report.skipped.append(name if name.lower().startswith(kind.lower() + " ") else f"{kind} {name}".strip())
            continue
        city = district.parent
        effective = dt.date.fromisoformat(row["effective_date"])
        new = db.session.scalars(select(Commune).where(
            Commune.name == row["new_commune"], Commune.parent_id == city.id)).first()
        if new is None:
            from ..text import slug

            new = Commune(name=row["new_commune"], unit_type=row["new_commune_type"],
                          code=row["new_code"] or None, parent=city, valid_from=effective,
                          slug=slug(row["new_commune"]), source=row["source_url"][:300])
            db.session.add(new)
            db.session.flush()
            report.add("new communes")
        exists = db.session.scalars(select(UnitSuccession).where(
            UnitSuccession.old_unit_id == old.id, UnitSuccession.new_unit_id == new.id)).first()
        if exists is None:
            db.session.add(UnitSuccession(old_unit=old, new_unit=new, whole=row["whole_or_part"] == "whole",
                                          effective_on=effective, source=row["source_url"],
                                          note=row["note"]))
            report.add("succession rows")
    db.session.flush()
    return report


def _in_flight(product: Product) -> bool:
    return product.stage != Stage.RANKED.value and not Status(product.status).terminal


def reroute(product: Product, target: rules.RuleSet, on: dt.date, actor: User | None,
            left_round: str | None = None) -> StageEvent:
    """Move a product in flight from a three-level to a two-level rule set: district-level
    states become the same states at the city (every district row has a city twin in
    :data:`ocop_app.workflow.TRANSITIONS`). Logs a ``reroute`` event naming both decisions and,
    when ``left_round`` names the district round it was waiting in, that it left that round."""
    old = product.rule_set
    before = workflow.state_of(product)
    product.rule_set_code = target.code
    if product.level == Level.DISTRICT.value:
        product.level = Level.CITY.value
    with force_locale("vi"):  # the audit text is written once, in the app's language
        chains = [" → ".join(str(Level(level).label) for level in r.levels) for r in (old, target)]
        detail = f"{old.decision} → {target.decision}: {chains[0]} ⇒ {chains[1]} ({on.strftime('%d/%m/%Y')})"
        if left_round:
            detail += ". " + str(_l("It left the round \u201c%(name)s\u201d, which ended without results; "
                                   "the city's council evaluates it.", name=left_round))
    return _event(product, actor, "reroute", before, detail)


def end_rounds(unit: AdminUnit, actor: User | None, source: str,
               report: MergerReport | None = None) -> dict[int, str]:
    """End, without results, the open evaluation rounds of a unit that ceases to exist (a district
    council's rounds when the district level ends on 1/7/2025, NQ 1656/NQ-UBTVQH15), so their
    products are free for a round of the level that takes them over. Sheets already filled in stay
    with the ended round, readable; a product taken into a written (re-evaluation) round gets its
    filed re-evaluation back.

    :returns: ``{product id: name of the round it left}``.
    """
    from ..certificates import reevaluation
    from ..models import EvaluationRound, RoundStatus, SheetEvent

    left: dict[int, str] = {}
    rounds = db.session.scalars(select(EvaluationRound).where(
        EvaluationRound.unit_id == unit.id, EvaluationRound.status == RoundStatus.OPEN.value)).all()
    if report is not None and rounds:
        report.add("rounds ended", len(rounds))
    for round_ in rounds:
        round_.status = RoundStatus.ENDED.value
        round_.closed_at = clock.now()
        round_.closed_by_id = actor.id if actor else None
        db.session.add(SheetEvent(round_id=round_.id, actor_id=actor.id if actor else None, action="end",
                                  reason=source, at=clock.now()))
        for entry in round_.products:
            if round_.written:
                reevaluation.leave_round(round_, entry.product)
            left[entry.product_id] = round_.name
    return left


def _event(product: Product, actor: User | None, action: str, before, detail: str) -> StageEvent:
    event = StageEvent(product=product, actor=actor, action=action, from_stage=before[0], from_status=before[1],
                       from_level=before[2], to_stage=product.stage, to_status=product.status,
                       to_level=product.level, reason="", detail=detail, at=clock.now())
    db.session.add(event)
    return event


def legal_citation(succession: UnitSuccession) -> str:
    """The legal basis of a succession as people cite it: the first sentence of its note,
    e.g. ``"NQ 1656 Điều 1 khoản 93"`` → ``"Nghị quyết 1656/NQ-UBTVQH15 Điều 1 khoản 93"``; the
    source URL when there is no note."""
    first = (succession.note or "").split(". ")[0].strip().rstrip(".")
    if not first:
        return succession.source
    return first.replace("NQ 1656 ", "Nghị quyết 1656/NQ-UBTVQH15 ", 1)


def _move_product(product: Product, new: AdminUnit, actor: User | None, source: str) -> None:
    old_name = product.place.display_name
    before = workflow.state_of(product)
    place_product(product, new)
    product.search_text = search_text_for(product)
    _event(product, actor, "relocate", before, f"{old_name} → {new.display_name}. {source}".strip())


def _district_ends(district: AdminUnit, leaving: set[int]) -> bool:
    communes = db.session.scalars(select(Commune).where(Commune.parent_id == district.id)).all()
    return all(c.id in leaving or c.valid_to is not None for c in communes)


def apply_successions(actor: User | None = None, report: MergerReport | None = None) -> MergerReport:
    """Apply every recorded, not yet applied succession (see the module docstring).

    Idempotent: applied rows are marked (``applied_at``) and skipped next time.
    """
    report = report or MergerReport()
    pending = db.session.scalars(
        select(UnitSuccession).where(UnitSuccession.applied_at.is_(None)).order_by(UnitSuccession.id)
    ).all()
    by_old: dict[int, list[UnitSuccession]] = defaultdict(list)
    for row in pending:
        by_old[row.old_unit_id].append(row)
    if not by_old:
        _open_account_reviews(actor, report)
        return report
    # 1. Districts that lose all their communes: the district level ends there.
    leaving = set(by_old)
    districts = {db.session.get(AdminUnit, old).parent for old in by_old}
    for district in districts:
        if district is None or district.level != Level.DISTRICT.value or district.valid_to is not None:
            continue
        if not _district_ends(district, leaving):
            continue
        on = min(r.effective_on for old, rows in by_old.items() for r in rows
                 if db.session.get(AdminUnit, old).parent_id == district.id)
        district.valid_to = on - dt.timedelta(days=1)
        report.add("districts ended")
        rows_here = [r for old, rows in by_old.items() for r in rows
                     if db.session.get(AdminUnit, old).parent_id == district.id]
        left = end_rounds(district, actor, legal_citation(rows_here[0]), report)
        target = rules.two_level_successor(on)
        for product in db.session.scalars(select(Product).where(Product.district_id == district.id)).all():
            if _in_flight(product) and product.rule_set.has_district:
                reroute(product, target, on, actor, left_round=left.get(product.id))
                report.add("products re-routed")
    # 2. Communes: whole → move; split → confirmation list.
    for old_id, rows in by_old.items():
        old = db.session.get(AdminUnit, old_id)
        on = rows[0].effective_on
        products = db.session.scalars(select(Product).where(Product.commune_id == old.id).order_by(Product.id)).all()
        users = db.session.scalars(select(User).where(User.unit_id == old.id).order_by(User.id)).all()
        if len(rows) == 1:
            new = rows[0].new_unit
            source = legal_citation(rows[0])
            for product in products:
                _move_product(product, new, actor, source)
            report.add("products moved", len(products))
            for producer in db.session.scalars(select(Producer).where(Producer.unit_id == old.id)).all():
                producer.unit = new
                report.add("producers moved")
            for user in users:
                db.session.add(AccountEvent(user=user, actor=actor, action="move", from_unit=old, to_unit=new,
                                            from_role=user.role, to_role=user.role, detail=source, at=clock.now()))
                user.unit = new
            report.add("users moved", len(users))
            old.successor = new
        else:
            proposed = rows[0].new_unit  # the file's first row for the unit (the larger part); a person confirms
            for product in products:
                db.session.add(Relocation(subject_type="product", subject_id=product.id, old_unit=old,
                                          proposed_unit=proposed))
                report.add("products to confirm")
            # Its users go to the administrator's account review (below), like the district's.
        old.valid_to = on - dt.timedelta(days=1)
        for row in rows:
            row.applied_at = clock.now()
        report.add("old units ended")
    db.session.flush()
    _open_account_reviews(actor, report)
    return report


def _open_account_reviews(actor: User | None, report: MergerReport) -> None:
    from .accounts import open_reviews

    opened = open_reviews(actor)
    if opened:
        report.add("accounts to review", opened)


def waiting_relocations(user: User) -> list[Relocation]:
    """The split communes' products still waiting for a person to confirm their new commune, that
    ``user`` confirms: all of them for the administrator, those of the user's city/province for its
    OCOP officers (city staff), none for anyone else. Oldest unit first."""
    if Role(user.role) not in (Role.ADMIN, Role.CITY_STAFF):
        return []
    pending = db.session.scalars(
        select(Relocation).where(Relocation.decided_at.is_(None), Relocation.subject_type == "product")
        .order_by(Relocation.old_unit_id, Relocation.id)).all()
    return [r for r in pending if confirms(r, user)]


def confirms(relocation: Relocation, user: User) -> bool:
    """Whether ``user`` may confirm ``relocation``'s new commune by scope: the administrator any,
    others those of the split commune's city/province (the role is checked by the route)."""
    if Role(user.role) is Role.ADMIN:
        return True
    city = relocation.old_unit.ancestor(Level.CITY)
    return city is not None and city.id == user.unit_id


def candidates(relocation: Relocation) -> list[AdminUnit]:
    """The successors a split unit's record may go to (those the resolution names)."""
    return list(db.session.scalars(
        select(AdminUnit).join(UnitSuccession, UnitSuccession.new_unit_id == AdminUnit.id)
        .where(UnitSuccession.old_unit_id == relocation.old_unit_id).order_by(UnitSuccession.id)
    ))


def subject_of(relocation: Relocation):
    """The product or user a relocation is about."""
    model = {"product": Product, "user": User}[relocation.subject_type]
    return db.session.get(model, relocation.subject_id)


def already_confirmed(relocation: Relocation) -> Conflict:
    """The 409 for a relocation someone has decided: who confirmed it, when (dd/mm/yyyy, Vietnam)
    and to which commune, so a second official (or a double click) knows nothing more is needed."""
    who = relocation.decided_by.full_name if relocation.decided_by else "?"
    day = clock.local_date(relocation.decided_at).strftime("%d/%m/%Y") if relocation.decided_at else "?"
    if relocation.chosen_unit is None:  # an account the administrator deactivated
        return Conflict(_l("This record was already decided by %(name)s on %(date)s. Nothing was changed; "
                           "the current list is shown.", name=who, date=day))
    return Conflict(_l("This record was already confirmed by %(name)s on %(date)s: it moved to %(unit)s. "
                       "Nothing was changed; the current list is shown.",
                       name=who, date=day, unit=relocation.chosen_unit.display_name))


def confirm(relocation: Relocation, unit_id: int | None, actor: User) -> None:
    """A person picks the new unit of one record of a split unit; the record moves now
    (a product with its producer, if the producer is still in the old unit, and the producer's
    other products waiting on the list are then proposed for the same commune) and the
    product's timeline says who confirmed it.

    :raises Conflict: someone already confirmed it (checked first, then compare-and-set on
        ``decided_at``, so of two officials confirming at once one wins): see :func:`already_confirmed`.
    :raises InvalidInput: the unit is not one of :func:`candidates`.
    """
    if relocation.decided_at is not None:
        raise already_confirmed(relocation)
    choices = {u.id: u for u in candidates(relocation)}
    if unit_id not in choices:
        raise InvalidInput({"unit": _l("Choose one of the new communes the resolution names.")})
    new = choices[unit_id]
    taken = db.session.execute(
        update(Relocation).where(Relocation.id == relocation.id, Relocation.decided_at.is_(None))
        .values(chosen_unit_id=new.id, decided_by_id=actor.id, decided_at=clock.now())
        .execution_options(synchronize_session=False))
    db.session.refresh(relocation)
    if taken.rowcount != 1:
        raise already_confirmed(relocation)
    subject = subject_of(relocation)
    if relocation.subject_type == "product":
        source = _l("Split unit; new commune confirmed by %(name)s.", name=actor.full_name)
        _move_product(subject, new, actor, str(source))
        if subject.producer.unit_id == relocation.old_unit_id:
            subject.producer.unit = new
            # The producer's other records still waiting are now proposed where the producer went.
            siblings = select(Product.id).where(Product.producer_id == subject.producer_id, Product.id != subject.id)
            db.session.execute(
                update(Relocation).where(Relocation.subject_type == "product", Relocation.subject_id.in_(siblings),
                                         Relocation.decided_at.is_(None))
                .values(proposed_unit_id=new.id).execution_options(synchronize_session=False))
    else:
        subject.unit = new
    db.session.flush()
