"""Accounts whose unit has ended: review, proposal, decision, audit.

When a merger ends a unit (the district of Thạch Thất on 30/6/2025 under NQ
1656/NQ-UBTVQH15; a commune split over several new communes), the accounts
attached to it cannot be moved by rule: a district's officers, approvers and
council members have no district to serve, and a split commune's officials may
go to either new commune. :func:`open_reviews` puts each such account on the
administrator's list (:class:`~ocop_app.models.AccountReview`) with a proposed
action; :func:`decide` applies what a person chose, at once, and writes the
audit row (:class:`~ocop_app.models.AccountEvent`).

Until decided, the account is read-only: :func:`unit_has_ended` makes the
workflow offer it no step (:mod:`ocop_app.workflow`) and the request hook
refuse every change it posts (:func:`ocop_app.permissions.refuse_if_unit_ended`).

Everything here flushes; the caller commits.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from .. import clock
from ..extensions import db
from ..models import AccountEvent, AccountReview, AdminUnit, Relocation, UnitSuccession, User
from ..products.operations import Conflict, InvalidInput
from ..workflow import Level, Role

MOVE, DEACTIVATE = "move", "deactivate"
ACTIONS = (MOVE, DEACTIVATE)

#: What the app proposes for a district role when the district ends (1/7/2025, QĐ 1489/QĐ-TTg: the
#: province's OCOP agency takes over the district's work). An officer keeps doing OCOP work at the
#: city; an approver's or council member's power was the district's and does not pass to the city
#: (the city's chairperson and council are appointed by the city), so the proposal is to deactivate.
DISTRICT_PROPOSAL = {
    Role.DISTRICT_STAFF: (MOVE, Role.CITY_STAFF),
    Role.DISTRICT_APPROVER: (DEACTIVATE, None),
    Role.DISTRICT_COUNCIL: (DEACTIVATE, None),
}


def unit_has_ended(unit: AdminUnit | None, today: dt.date | None = None) -> bool:
    """Whether ``unit`` no longer exists on ``today`` (its ``valid_to`` is past). ``None``: no."""
    if unit is None or unit.valid_to is None:
        return False
    return unit.valid_to < (today or clock.today())


def user_unit_ended(user) -> bool:
    """Whether a logged-in staff ``user`` serves a unit that has ended (see :func:`unit_has_ended`)."""
    if user is None or not getattr(user, "is_authenticated", False) or Role(user.role) is Role.ADMIN:
        return False
    return unit_has_ended(user.unit)


def successors(unit: AdminUnit) -> list[AdminUnit]:
    """Units an account of the ended ``unit`` may move to, the likeliest first: the new communes
    the resolution names for it (for a district: for its communes), its recorded successor, and
    the city above it."""
    olds = [unit.id]
    if unit.level == Level.DISTRICT.value:
        olds += [c.id for c in unit.children]
    result: list[AdminUnit] = []
    rows = db.session.scalars(select(UnitSuccession).where(UnitSuccession.old_unit_id.in_(olds))
                              .order_by(UnitSuccession.id)).all()
    for candidate in [r.new_unit for r in rows] + [unit.successor, unit.ancestor(Level.CITY)]:
        if candidate is not None and candidate not in result and not unit_has_ended(candidate):
            result.append(candidate)
    return result


def roles_for(unit: AdminUnit) -> list[Role]:
    """The roles an account may hold at ``unit`` (those whose level is the unit's)."""
    return [r for r in Role if r.level is not None and r.level.value == unit.level]


def propose(user: User) -> tuple[str, AdminUnit | None, Role | None]:
    """The proposed ``(action, unit, role)`` for an account of an ended unit.

    - district roles: :data:`DISTRICT_PROPOSAL` (officer → city officer; others deactivated);
    - a commune's roles: the new commune of the merger file's first row for the unit (the one
      that took the larger part, see :func:`ocop_app.units.operations.load_successions`), same role;
    - otherwise (no successor at the role's level): deactivate.
    """
    role = Role(user.role)
    options = successors(user.unit)
    if role in DISTRICT_PROPOSAL:
        action, new_role = DISTRICT_PROPOSAL[role]
        city = next((u for u in options if u.level == Level.CITY.value), None)
        if action == MOVE and city is not None:
            return MOVE, city, new_role
        return DEACTIVATE, None, None
    same_level = [u for u in options if u.level == user.unit.level]
    if same_level:
        return MOVE, same_level[0], role
    return DEACTIVATE, None, None


def _log(user: User, actor: User | None, action: str, *, from_unit=None, to_unit=None, from_role=None,
         to_role=None, detail: str = "") -> AccountEvent:
    event = AccountEvent(user=user, actor=actor, action=action, from_unit=from_unit, to_unit=to_unit,
                         from_role=from_role, to_role=to_role, detail=detail, at=clock.now())
    db.session.add(event)
    return event


def pending_review(user: User) -> AccountReview | None:
    """The undecided review of ``user``'s account, if any."""
    return db.session.scalars(select(AccountReview).where(
        AccountReview.user_id == user.id, AccountReview.decided_at.is_(None))).first()


def open_reviews(actor: User | None = None) -> int:
    """Put every active account whose unit has ended, and that has no review for that unit yet,
    on the review list with its :func:`propose`-d action; log ``review_opened``. Idempotent.

    :returns: how many reviews were opened.
    """
    opened = 0
    users = db.session.scalars(
        select(User).join(AdminUnit, User.unit_id == AdminUnit.id)
        .where(User.active.is_(True), AdminUnit.valid_to.is_not(None)).order_by(User.id)).all()
    for user in users:
        if not unit_has_ended(user.unit):
            continue
        exists = db.session.scalars(select(AccountReview.id).where(
            AccountReview.user_id == user.id, AccountReview.old_unit_id == user.unit_id)).first()
        if exists is not None:
            continue
        action, unit, role = propose(user)
        db.session.add(AccountReview(user=user, old_unit=user.unit, old_role=user.role, proposed_action=action,
                                     proposed_unit=unit, proposed_role=role.value if role else None))
        _log(user, actor, "review_opened", from_unit=user.unit, from_role=user.role,
             detail=f"{user.unit.display_name} (-> {user.unit.valid_to:%d/%m/%Y})")
        opened += 1
    db.session.flush()
    return opened


def already_decided(review: AccountReview) -> Conflict:
    """The 409 for an account someone has decided: who, when (dd/mm/yyyy, Vietnam) and what, so a
    second administrator (or a double click) knows nothing more is needed."""
    who = review.decided_by.full_name if review.decided_by else "?"
    day = clock.local_date(review.decided_at).strftime("%d/%m/%Y") if review.decided_at else "?"
    if review.decision == MOVE and review.chosen_unit is not None:
        outcome = _l("moved to %(unit)s as %(role)s", unit=review.chosen_unit.display_name,
                     role=Role(review.chosen_role).label)
    else:
        outcome = _l("deactivated")
    return Conflict(_l("This account was already decided by %(name)s on %(date)s: %(outcome)s. Nothing was "
                       "applied; the current list is shown.", name=who, date=day, outcome=outcome))


def decide(review: AccountReview, action: str, unit_id: int | None, role: str | None, actor: User) -> None:
    """Apply a person's decision on one account, at once.

    ``move``: the account gets ``unit_id`` (one of :func:`successors`) and ``role`` (one of
    :func:`roles_for` that unit); ``deactivate``: it can no longer log in. Either way its open
    sessions end (``session_epoch``), so its scope and role change on its next request; pending
    split-commune relocations of the account are closed; an :class:`AccountEvent` records it.

    :raises InvalidInput: unknown action, a unit not among the successors, or a role not of the
        unit's level (``{"action"|"unit"|"role": message}``).
    :raises Conflict: someone decided this review first (compare-and-set on ``decided_at``):
        :func:`already_decided`.
    """
    if action not in ACTIONS:
        raise InvalidInput({"action": _l("Choose to move the account or to deactivate it.")})
    user = review.user
    unit = chosen_role = None
    if action == MOVE:
        choices = {u.id: u for u in successors(review.old_unit)}
        unit = choices.get(unit_id)
        if unit is None:
            raise InvalidInput({"unit": _l("Choose one of the units that succeeded the ended unit.")})
        try:
            chosen_role = Role(role or "")
        except ValueError:
            chosen_role = None
        if chosen_role not in roles_for(unit):
            raise InvalidInput({"role": _l("Choose a role of the level of %(unit)s.", unit=unit.display_name)})
    now = clock.now()
    taken = db.session.execute(
        update(AccountReview).where(AccountReview.id == review.id, AccountReview.decided_at.is_(None))
        .values(decision=action, chosen_unit_id=unit.id if unit else None,
                chosen_role=chosen_role.value if chosen_role else None, decided_by_id=actor.id, decided_at=now)
        .execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        db.session.refresh(review)
        raise already_decided(review)
    db.session.refresh(review)
    old_unit, old_role = user.unit, user.role
    if action == MOVE:
        user.unit, user.role = unit, chosen_role.value
    else:
        user.active = False
    user.session_epoch += 1
    user.version += 1  # an administrator's form opened before this decision is stale (409), not replayed
    for relocation in db.session.scalars(select(Relocation).where(
            Relocation.subject_type == "user", Relocation.subject_id == user.id,
            Relocation.decided_at.is_(None))).all():
        relocation.chosen_unit = unit  # none: the account was deactivated
        relocation.decided_by_id, relocation.decided_at = actor.id, now
    _log(user, actor, action, from_unit=old_unit, to_unit=unit, from_role=old_role,
         to_role=chosen_role.value if chosen_role else None)
    db.session.flush()
