"""Staff accounts: create, edit, reset a password — one set of rules for ``/admin/users`` and the
``flask --app ocop_app users`` command.

The rules an account follows (see :class:`~ocop_app.models.User`):

- a username of 3–80 letters without accents, digits, ``.``, ``-`` or ``_``, unique whatever
  its case (``Xa.ThachXa`` is taken when ``xa.thachxa`` exists);
- a role of :class:`~ocop_app.workflow.Role`; the unit's level is the role's level
  (:attr:`Role.level`), the administrator serves no unit; a unit chosen or changed must exist
  today (:meth:`AdminUnit.valid_on`, :func:`ocop_app.clock.today`);
- an optional e-mail address, where reminders are sent (:mod:`ocop_app.notifications`);
- a password under the one policy, :func:`ocop_app.auth.forms.password_problem`.

Every change writes an :class:`~ocop_app.models.AccountEvent` (append-only) and flushes; the
caller commits. Errors: :class:`~ocop_app.products.operations.InvalidInput` (422; ``errors``
maps a field name — ``username``, ``full_name``, ``role``, ``unit_id``, ``email``,
``password`` — to a message) and :class:`~ocop_app.products.operations.Conflict` (409).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..auth.forms import password_problem
from ..extensions import db
from ..models import AccountEvent, AccountReview, AdminUnit, User
from ..products.operations import Conflict, InvalidInput
from ..workflow import Level, Role

#: A username: ASCII letters, digits, dot, hyphen, underscore (``xa.thachxa``, ``huyen.duyet2``).
USERNAME_RE = re.compile(r"[A-Za-z0-9._-]{3,80}")
#: An e-mail address as HTML's ``<input type=email>`` accepts it (WHATWG HTML, "valid e-mail
#: address"), with at least one dot in the domain so that it can be delivered.
EMAIL_RE = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")
FULL_NAME_MAX, EMAIL_MAX = 120, 200
#: The order units are offered in: city, district, commune.
LEVEL_ORDER = (Level.CITY, Level.DISTRICT, Level.COMMUNE)


@dataclass(frozen=True)
class Change:
    """What :func:`edit_account` changed: the field names, and whether the sessions ended."""

    fields: tuple[str, ...]
    sessions_ended: bool


def all_accounts() -> list[User]:
    """Every account, by role then username (the ``/admin/users`` list and ``flask users list``)."""
    return list(db.session.scalars(select(User).order_by(User.role, User.username)).all())


def units_existing_today() -> list[AdminUnit]:
    """The units an account may be given: those that exist today, city first, then district,
    then commune, each by name."""
    today = clock.today()
    rows = db.session.scalars(select(AdminUnit).where(
        or_(AdminUnit.valid_from.is_(None), AdminUnit.valid_from <= today),
        or_(AdminUnit.valid_to.is_(None), AdminUnit.valid_to >= today))).all()
    rank = {level.value: i for i, level in enumerate(LEVEL_ORDER)}
    return sorted(rows, key=lambda u: (rank.get(u.level, 9), u.name, u.id))


def parse_unit_id(value) -> int | None:
    """``value`` (a form's text or the CLI's int) as a unit id; ``None`` if empty.

    :raises InvalidInput: ``{"unit_id": …}`` if it is not a whole number a unit id can be.
    """
    if value is None or value == "":
        return None
    text = str(value).strip()
    if not text.isdigit() or len(text) > 9:
        raise InvalidInput({"unit_id": _l("Choose a unit from the list.")})
    return int(text)


def _clean_email(email: str | None) -> str | None:
    email = (email or "").strip()
    if not email:
        return None
    if len(email) > EMAIL_MAX or not EMAIL_RE.fullmatch(email):
        raise InvalidInput({"email": _l("Enter an e-mail address like ten@donvi.gov.vn, or leave it empty.")})
    return email


def _clean_full_name(full_name: str | None) -> str:
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise InvalidInput({"full_name": _l("Enter the person's full name.")})
    if len(full_name) > FULL_NAME_MAX:
        raise InvalidInput({"full_name": _l("Use at most %(max)d characters.", max=FULL_NAME_MAX)})
    return full_name


def _check_password(password: str | None) -> str:
    problem = password_problem(password or "")
    if problem is not None:
        raise InvalidInput({"password": problem})
    return password


def _role_and_unit(role: str | None, unit_id, *, current: User | None = None) -> tuple[Role, AdminUnit | None]:
    """Check that ``unit_id`` suits ``role``; returns them loaded.

    A unit that is the account's current one may stay although it has ended (its review is the
    merger's business); a unit newly chosen must exist today.
    """
    try:
        chosen = Role(role or "")
    except ValueError:
        raise InvalidInput({"role": _l("Choose a role from the list.")}) from None
    unit_key = parse_unit_id(unit_id)
    if chosen is Role.ADMIN:
        if unit_key is not None:
            raise InvalidInput({"unit_id": _l("The administrator serves no unit: leave the unit empty.")})
        return chosen, None
    if unit_key is None:
        raise InvalidInput({"unit_id": _l("Choose the unit this account serves.")})
    unit = db.session.get(AdminUnit, unit_key)
    keeps_unit = current is not None and current.unit_id == unit_key and current.role == chosen.value
    if unit is None or (not keeps_unit and not unit.valid_on(clock.today())):
        raise InvalidInput({"unit_id": _l("Choose a unit that exists today.")})
    if unit.level != chosen.level.value:
        raise InvalidInput({"unit_id": _l(
            "The role %(role)s serves a unit of the %(level)s level; %(unit)s is not one.",
            role=chosen.label, level=str(chosen.level.label).lower(), unit=unit.display_name)})
    return chosen, unit


def username_taken(username: str, *, except_id: int | None = None) -> bool:
    """Whether an account already has ``username``, compared without regard to case."""
    query = select(User.id).where(func.lower(User.username) == username.lower())
    if except_id is not None:
        query = query.where(User.id != except_id)
    return db.session.scalars(query).first() is not None


def _log(user: User, actor: User | None, action: str, *, from_unit_id=None, to_unit_id=None, from_role=None,
         to_role=None, detail: str = "") -> None:
    db.session.add(AccountEvent(user_id=user.id, actor_id=actor.id if actor else None, action=action,
                                from_unit_id=from_unit_id, to_unit_id=to_unit_id, from_role=from_role,
                                to_role=to_role, detail=detail, at=clock.now()))


def create_account(*, username: str, full_name: str, role: str, unit_id, email: str | None, password: str,
                   actor: User | None) -> User:
    """Create an active account and log ``create``.

    :param unit_id: the unit's id (int or text), ``None``/``""`` for the administrator.
    :param actor: the administrator (``None``: the command line).
    :returns: the new :class:`User`, flushed.
    :raises InvalidInput: the first problem found, by field: ``username`` (format, or taken
        whatever the case), ``full_name``, ``role``, ``unit_id`` (missing, ended, or not of the
        role's level), ``email``, ``password`` (:func:`~ocop_app.auth.forms.password_problem`).
    """
    username = (username or "").strip()
    if not USERNAME_RE.fullmatch(username):
        raise InvalidInput({"username": _l(
            "Use 3 to 80 letters without accents, digits, dots, hyphens or underscores, e.g. xa.thachxa.")})
    if username_taken(username):
        raise InvalidInput({"username": _l("The username %(name)s is already taken.", name=username)})
    full_name = _clean_full_name(full_name)
    chosen, unit = _role_and_unit(role, unit_id)
    email = _clean_email(email)
    _check_password(password)
    user = User(username=username, full_name=full_name, role=chosen.value, unit_id=unit.id if unit else None,
                email=email, active=True, session_epoch=0, version=1)
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as exc:  # the same name created a moment earlier by someone else
        db.session.rollback()
        raise InvalidInput({"username": _l("The username %(name)s is already taken.", name=username)}) from exc
    _log(user, actor, "create", to_unit_id=user.unit_id, to_role=user.role)
    db.session.flush()
    return user


def edit_account(user: User, *, full_name: str, email: str | None, role: str, unit_id, expected_version: int,
                 actor: User | None) -> Change:
    """Change an account's full name, e-mail, role and unit, and log ``edit`` with the changed
    fields. A new role or unit ends the account's sessions (``session_epoch``), so its scope and
    role change at its next request.

    :param expected_version: the :attr:`User.version` the form was loaded with.
    :returns: the :class:`Change` made (no field: nothing was changed, nothing logged).
    :raises InvalidInput: ``full_name``, ``email``, ``role``, ``unit_id`` as in
        :func:`create_account`; ``role`` also when the administrator would change their own role
        (they would lose this page), and ``role``/``unit_id`` when the account's unit has ended
        and awaits a decision on ``/staff/units/accounts``.
    :raises Conflict: the account was edited by someone else since ``expected_version``.
    """
    full_name = _clean_full_name(full_name)
    email = _clean_email(email)
    chosen, unit = _role_and_unit(role, unit_id, current=user)
    new_unit_id = unit.id if unit else None
    moves = chosen.value != user.role or new_unit_id != user.unit_id
    if moves and actor is not None and user.id == actor.id:
        raise InvalidInput({"role": _l("You cannot change your own role or unit; ask another administrator.")})
    if moves and _pending_review(user):
        raise InvalidInput({"unit_id": _l(
            "This account's unit has ended: move or deactivate it on the list of accounts of ended units.")})
    taken = db.session.execute(
        update(User).where(User.id == user.id, User.version == expected_version)
        .values(version=User.version + 1).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise Conflict(_l("Someone else changed this account in the meantime. Nothing was saved; "
                          "the form shows what you typed — check it against the account and save again."))
    db.session.refresh(user)
    old = {"full_name": user.full_name, "email": user.email, "role": user.role, "unit": user.unit_id}
    new = {"full_name": full_name, "email": email, "role": chosen.value, "unit": new_unit_id}
    changed = tuple(k for k in old if old[k] != new[k])
    if not changed:
        return Change((), False)
    user.full_name, user.email, user.role, user.unit_id = full_name, email, chosen.value, new_unit_id
    if moves:
        user.session_epoch += 1  # ends the account's sessions at their next request
    if "email" in changed:
        from ..notifications import mailer

        mailer.readdress(user, old["email"])
    _log(user, actor, "edit", from_unit_id=old["unit"], to_unit_id=new_unit_id, from_role=old["role"],
         to_role=chosen.value, detail=",".join(changed))
    db.session.flush()
    return Change(changed, moves)


def reset_password(user: User, password: str, actor: User | None) -> None:
    """Set ``password`` (typed by the administrator) on ``user``, end the account's sessions, log
    ``password_reset``.

    :raises InvalidInput: ``{"password": …}`` under the password policy.
    """
    _check_password(password)
    user.set_password(password)
    user.session_epoch += 1
    _log(user, actor, "password_reset", from_unit_id=user.unit_id, from_role=user.role)
    db.session.flush()


def history(user: User, limit: int = 20) -> list[AccountEvent]:
    """The account's audit rows, newest first (at most ``limit``)."""
    return list(db.session.scalars(select(AccountEvent).where(AccountEvent.user_id == user.id)
                                   .order_by(AccountEvent.id.desc()).limit(limit)).all())


def _pending_review(user: User) -> bool:
    return db.session.scalars(select(AccountReview.id).where(
        AccountReview.user_id == user.id, AccountReview.decided_at.is_(None))).first() is not None
