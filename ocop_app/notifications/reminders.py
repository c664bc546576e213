"""The daily reminder job: find what is due and tell the people who must act.

Run once a day by cron or a systemd timer: ``flask --app ocop_app reminders run``
(no scheduler inside the app). Each *source* is a function ``source(today) ->
iterable of Reminder`` registered with :func:`reminder_source`; this module
registers five (certificates entering the re-evaluation window, certificates
expiring within the rule set's notice period, re-evaluations not finished by their
due date, dossiers waiting past their level's deadline, council score sheets not
submitted as the round's date nears or passes).

Every reminder has a stable ``key``; a user gets a notification for a key once
(unique ``(user, key)``) and, if they have an e-mail address, one outbox message
(unique key), so running the job twice sends nothing twice. The outbox is then
sent (:mod:`ocop_app.notifications.mailer`); a failed send stays for the next run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Iterable

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, tuple_
from sqlalchemy.orm import selectinload

from .. import clock, deadlines, rules, workflow
from ..extensions import db
from ..models import (AdminUnit, Certificate, CertificateStatus, Notification, OutboxEmail, Product, Reevaluation,
                      ReevaluationOutcome, ReevaluationStatus, User)
from ..workflow import Level, Role, Status


@dataclass
class Reminder:
    """Something due: ``key`` (stable, e.g. ``cert-expiry:12``), who to tell, and the text."""

    key: str
    users: list[User]
    title: str
    body: str
    url: str = ""


#: name → source(today) → Iterable[Reminder]
SOURCES: dict[str, Callable[[dt.date], Iterable[Reminder]]] = {}


def reminder_source(name: str):
    """Register a function ``fn(today) -> Iterable[Reminder]`` as a source of reminders."""

    def decorate(fn):
        SOURCES[name] = fn
        return fn

    return decorate


_SCOPE_CACHE: dict = {}


def users_in_scope(product: Product, roles: Iterable[Role]) -> list[User]:
    """Active users with one of ``roles`` who serve the product's unit at that role's level
    (memoised for the duration of one :func:`collect`)."""
    cache_key = (frozenset(roles), product.commune_id, product.district_id, product.city_id)
    if cache_key in _SCOPE_CACHE:
        return _SCOPE_CACHE[cache_key]
    _SCOPE_CACHE[cache_key] = result = _users_in_scope(product, cache_key[0])
    return result


def _users_in_scope(product: Product, roles: Iterable[Role]) -> list[User]:
    conditions = []
    for role in set(roles):
        unit_id = {Level.COMMUNE: product.commune_id, Level.DISTRICT: product.district_id,
                   Level.CITY: product.city_id}.get(role.level)
        if unit_id is not None:
            conditions.append(and_(User.role == role.value, User.unit_id == unit_id))
    if not conditions:
        return []
    # An official of an ended unit takes no step (ocop_app.units): they are not told either.
    return list(db.session.scalars(
        select(User).join(AdminUnit, AdminUnit.id == User.unit_id)
        .where(User.active.is_(True), AdminUnit.valid_to.is_(None), or_(*conditions)).order_by(User.id)))


def _product_url(product: Product) -> str:
    return f"/staff/products/{product.id}"


CERT_ROLES = (Role.COMMUNE_STAFF, Role.CITY_STAFF)


@reminder_source("certificate_reevaluation")
def certificates_entering_window(today: dt.date) -> Iterable[Reminder]:
    """Certificates in their re-evaluation window today (QĐ 26/2026 Điều 4: 180–120 days before expiry)."""
    widest = max((r.deadlines.get("reevaluation_window_days") or (0, 0))[0] for r in rules.all_rule_sets())
    certs = db.session.scalars(select(Certificate).where(
        Certificate.valid_until >= today, Certificate.valid_until <= today + dt.timedelta(days=widest),
        Certificate.revoked_on.is_(None)).options(selectinload(Certificate.product))).all()
    from ..certificates import reevaluation as reeval_ops

    for cert in certs:
        if not cert.in_reevaluation_window(today) or reeval_ops.central(cert, today):
            continue  # outside the window, or ★5: re-evaluated at the central level
        start, end = cert.reevaluation_window()
        product = cert.product
        yield Reminder(
            key=f"cert-reevaluation:{cert.id}",
            users=users_in_scope(product, CERT_ROLES),
            title=_("Re-evaluation window open: %(name)s", name=product.name),
            body=_("Certificate %(number)s (%(stars)s stars) expires on %(expiry)s. Re-evaluation can be filed "
                   "from %(start)s to %(end)s.", number=cert.number, stars=cert.stars,
                   expiry=cert.valid_until.strftime("%d/%m/%Y"), start=start.strftime("%d/%m/%Y"),
                   end=end.strftime("%d/%m/%Y")),
            url=f"/staff/certificates/{cert.id}",
        )


@reminder_source("certificate_expiry")
def certificates_expiring(today: dt.date) -> Iterable[Reminder]:
    """Certificates expiring within the rule set's notice period (30 days)."""
    certs = db.session.scalars(select(Certificate).where(
        Certificate.valid_until >= today, Certificate.valid_until <= today + dt.timedelta(days=366),
        Certificate.revoked_on.is_(None)).options(selectinload(Certificate.product))).all()
    for cert in certs:
        notice = cert.rule_set.expiry_notice_days
        if cert.valid_until > today + dt.timedelta(days=notice) or cert.status_on(today) is not CertificateStatus.VALID:
            continue  # not yet within notice, or replaced by its renewal
        product = cert.product
        yield Reminder(
            key=f"cert-expiry:{cert.id}",
            users=users_in_scope(product, CERT_ROLES),
            title=_("Certificate expires soon: %(name)s", name=product.name),
            body=_("Certificate %(number)s (%(stars)s stars) expires on %(expiry)s. Tell the producer.",
                   number=cert.number, stars=cert.stars, expiry=cert.valid_until.strftime("%d/%m/%Y")),
            url=f"/staff/certificates/{cert.id}",
        )


REEVALUATION_ROLES = (Role.CITY_STAFF,)


@reminder_source("reevaluation_overdue")
def reevaluations_overdue(today: dt.date) -> Iterable[Reminder]:
    """Re-evaluations not finished by their due date (QĐ 26/2026 Điều 4: within 45 days of
    filing): still filed or in a round, or renewed by the council but the new certificate not
    yet issued. The city officers in scope are told (and, for a renewal waiting for its
    confirmation, the city approvers), once per re-evaluation."""
    rows = db.session.scalars(select(Reevaluation).where(
        Reevaluation.due_on < today,
        or_(Reevaluation.status != ReevaluationStatus.DECIDED.value,
            and_(Reevaluation.outcome == ReevaluationOutcome.RENEWED.value,
                 Reevaluation.new_certificate_id.is_(None))))
        .options(selectinload(Reevaluation.product), selectinload(Reevaluation.certificate))).all()
    for reevaluation in rows:
        if reevaluation.certificate.revoked_on is not None:
            continue  # the revocation ended it: nothing left to finish
        product = reevaluation.product
        roles = list(REEVALUATION_ROLES)
        if reevaluation.awaiting_confirmation:
            roles.append(Role.CITY_APPROVER)
        yield Reminder(
            key=f"reevaluation-overdue:{reevaluation.id}",
            users=users_in_scope(product, roles),
            title=_("Re-evaluation overdue: %(name)s", name=product.name),
            body=_("The re-evaluation of certificate %(number)s filed on %(filed)s was due by %(due)s and is not "
                   "finished (%(status)s).", number=reevaluation.certificate.number,
                   filed=reevaluation.filed_on.strftime("%d/%m/%Y"), due=reevaluation.due_on.strftime("%d/%m/%Y"),
                   status=reevaluation.status_label),
            url=f"/staff/certificates/{reevaluation.certificate_id}",
        )


@reminder_source("dossier_overdue")
def dossiers_overdue(today: dt.date) -> Iterable[Reminder]:
    """Dossiers awaiting a level past that level's deadline (QĐ 26/2026 Điều 7: the
    commune, 15 working days); the people who must act are told once per wait."""
    products = db.session.scalars(select(Product).where(Product.status == Status.AWAITING.value)).all()
    for pid, (due, event_id) in deadlines.due_dates(products).items():
        if due >= today:
            continue
        product = db.session.get(Product, pid)
        if product.commune is not None and product.commune.valid_to is not None:
            # Its commune ended and was split: nobody can act until the city confirms the new commune.
            yield Reminder(
                key=f"overdue:{pid}:{event_id}",
                users=users_in_scope(product, [Role.CITY_STAFF]),
                title=_("Overdue: %(name)s", name=product.name),
                body=_("This dossier has waited past its deadline (%(due)s); its commune no longer exists. "
                       "Confirm its new commune so the new commune can act on it.", due=due.strftime("%d/%m/%Y")),
                url="/staff/units/relocations",
            )
            continue
        roles = [role for role, _t in workflow.waiting_for(product)]
        yield Reminder(
            key=f"overdue:{pid}:{event_id}",
            users=users_in_scope(product, roles),
            title=_("Overdue: %(name)s", name=product.name),
            body=_("This dossier has waited past its deadline (%(due)s) at the %(level)s level.",
                   due=due.strftime("%d/%m/%Y"), level=Level(product.level).label),
            url=_product_url(product),
        )


@reminder_source("score_sheets_due")
def score_sheets_due(today: dt.date) -> Iterable[Reminder]:
    """Council score sheets still draft (not submitted, not recused) in open rounds whose end date
    (``ends_on``) is within the rule set's ``sheet_reminder_days`` or past.

    Each member is told once per round and date, listing their sheets
    (``sheet-due:<round>:<member>:<ends_on>``); once the date has passed they are told again
    (``sheet-overdue:…``), and the round's organisers (officers and
    approvers of its unit) and its chair get one notice per round and date listing what is missing
    (``round-sheets-overdue:<round>:<ends_on>``). Moving the round's date gives new keys.
    """
    from ..evaluation import operations as ev
    from ..models import CouncilRole, EvaluationRound, RoundProduct, RoundStatus, ScoreSheet, SheetStatus

    widest = max((r.sheet_reminder_days or 0) for r in rules.all_rule_sets())
    rounds = db.session.scalars(select(EvaluationRound).where(
        EvaluationRound.status == RoundStatus.OPEN.value,
        EvaluationRound.ends_on <= today + dt.timedelta(days=widest)).order_by(EvaluationRound.id)).all()
    for round_ in rounds:
        notice = round_.rule_set.sheet_reminder_days
        passed = round_.ends_on < today
        if not passed and (notice is None or round_.ends_on > today + dt.timedelta(days=notice)):
            continue
        scorers = {m.user_id for m in round_.members if CouncilRole(m.role).scores}
        sheets = db.session.scalars(
            select(ScoreSheet).join(RoundProduct)
            .where(RoundProduct.round_id == round_.id, RoundProduct.outcome.is_(None),
                   ScoreSheet.status == SheetStatus.DRAFT.value)
            .order_by(ScoreSheet.id).options(selectinload(ScoreSheet.member),
                                             selectinload(ScoreSheet.round_product).selectinload(RoundProduct.product))
        ).all()
        sheets = [s for s in sheets if s.member_id in scorers and s.member.active]
        if not sheets:
            continue
        date = round_.ends_on.strftime("%d/%m/%Y")
        kind = "sheet-overdue" if passed else "sheet-due"
        by_member: dict[int, list] = {}
        for sheet in sheets:
            by_member.setdefault(sheet.member_id, []).append(sheet)
        for member_sheets in by_member.values():
            names = ", ".join(s.round_product.product.name for s in member_sheets)
            first = member_sheets[0]
            yield Reminder(
                key=f"{kind}:{round_.id}:{first.member_id}:{round_.ends_on.isoformat()}",
                users=[first.member],
                title=(_("Score sheets overdue: %(round)s", round=round_.name) if passed
                       else _("Score sheets due by %(date)s: %(round)s", date=date, round=round_.name)),
                body=(_("The round %(round)s ended on %(date)s; your score sheets for these products are not "
                        "submitted: %(names)s.", round=round_.name, date=date, names=names) if passed
                      else _("Submit your score sheets in the round %(round)s by %(date)s: %(names)s.",
                             round=round_.name, date=date, names=names)),
                url=(f"/staff/evaluation/rounds/{round_.id}/products/{first.round_product_id}/sheet"
                     if len(member_sheets) == 1 else "/staff/queue"),
            )
        if passed:
            chair = round_.chair
            level = Level(round_.level)
            organisers = list(db.session.scalars(select(User).where(
                User.active.is_(True), User.unit_id == round_.unit_id,
                User.role.in_([r.value for r in ev.ORGANISER_ROLES[level]])).order_by(User.id)))
            people = organisers + ([chair.user] if chair is not None and chair.user not in organisers else [])
            missing = sorted({f"{s.member.full_name} — {s.round_product.product.name}" for s in sheets})
            yield Reminder(
                key=f"round-sheets-overdue:{round_.id}:{round_.ends_on.isoformat()}",
                users=people,
                title=_("Score sheets missing after the round's date: %(round)s", round=round_.name),
                body=_("The round ended on %(date)s; %(n)s score sheets are not submitted: %(list)s.",
                       date=date, n=len(sheets), list="; ".join(missing)),
                url=f"/staff/evaluation/rounds/{round_.id}",
            )


@dataclass
class RunReport:
    notifications: int = 0
    emails_queued: int = 0
    emails_sent: int = 0
    emails_failed: int = 0

    def __str__(self) -> str:
        return (f"{self.notifications} notifications, {self.emails_queued} e-mails queued, "
                f"{self.emails_sent} sent, {self.emails_failed} left in the outbox")


def collect(today: dt.date | None = None) -> RunReport:
    """Run every source for ``today`` and store new notifications and outbox e-mails; commit."""
    today = today or clock.today()
    report = RunReport()
    _SCOPE_CACHE.clear()
    with force_locale("vi"):
        due = [reminder for source in SOURCES.values() for reminder in source(today)]
        wanted = [(user.id, reminder.key) for reminder in due for user in reminder.users]
        given = set()
        for i in range(0, len(wanted), 500):  # what was already given, in a few queries
            given.update(tuple(row) for row in db.session.execute(select(Notification.user_id, Notification.key).where(
                tuple_(Notification.user_id, Notification.key).in_(wanted[i:i + 500]))).all())
        for reminder in due:
            _store(reminder, given, report)
        db.session.flush()
    db.session.commit()
    return report


def _absolute(url: str | None) -> str:
    """``url`` as a link an e-mail client can open: prefixed with ``PUBLIC_BASE_URL`` (e.g.
    ``https://ocop.hanoi.gov.vn``) when it is set and ``url`` is a path; else unchanged."""
    from flask import current_app

    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return f"{base}{url}" if url and base and url.startswith("/") else (url or "")


def _store(reminder: Reminder, given: set, report: RunReport) -> None:
    """Add a notification (and an outbox e-mail if the user has an address) for each of the
    reminder's users whose ``(user id, key)`` is not in ``given``; updates ``given`` and ``report``."""
    for user in reminder.users:
        if (user.id, reminder.key) in given:
            continue
        given.add((user.id, reminder.key))
        db.session.add(Notification(user_id=user.id, key=reminder.key, title=reminder.title[:300],
                                    body=reminder.body, url=reminder.url))
        report.notifications += 1
        if user.email:
            db.session.add(OutboxEmail(key=f"{reminder.key}:{user.id}", to_addr=user.email,
                                       subject=reminder.title[:300],
                                       body=f"{reminder.body}\n\n{_absolute(reminder.url)}".strip()))
            report.emails_queued += 1


def give_now(reminder: Reminder) -> RunReport:
    """Store ``reminder`` at once, outside the daily job, for an event that happens at a known
    moment (e.g. a round closing): one notification per user and key, as :func:`collect` does,
    so a later run or a second call tells nobody twice. Flushes; the caller commits. The outbox
    e-mail goes with the next :func:`run`. Build the reminder's text under
    ``force_locale("vi")`` as :func:`collect` does."""
    report = RunReport()
    wanted = [(user.id, reminder.key) for user in reminder.users]
    given = set()
    if wanted:
        given = {tuple(row) for row in db.session.execute(select(Notification.user_id, Notification.key).where(
            tuple_(Notification.user_id, Notification.key).in_(wanted))).all()}
    _store(reminder, given, report)
    db.session.flush()
    return report


def run(today: dt.date | None = None) -> RunReport:
    """The daily job: :func:`collect`, then send the outbox. Safe to run twice."""
    from . import mailer

    report = collect(today)
    report.emails_sent, report.emails_failed = mailer.send_pending()
    return report


def unread_count(user: User) -> int:
    """How many of ``user``'s notifications are unread."""
    from sqlalchemy import func

    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0
