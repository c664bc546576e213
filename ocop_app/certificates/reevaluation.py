"""Re-evaluation of a certificate nearing expiry, decided by written opinion (QĐ 26/2026 Điều 4).

The life of a :class:`~ocop_app.models.Reevaluation`:

1. :func:`file` — commune staff of the product's commune, or city staff, file it inside the
   certificate's window (180 to 120 days before expiry, ``deadlines.reevaluation_window_days``);
   it is due ``deadlines.reevaluation_finish_days`` (45) days later. One open re-evaluation
   per certificate (the database refuses a second, so two people filing at once get one).
2. A written-opinion round (:class:`~ocop_app.models.RoundKind` ``written``) takes it
   (:func:`eligible_products`, :func:`enter_round`); each member fills the product set's
   usual score sheet and a written opinion.
3. Closing the round :func:`decide`\\ s it without any workflow step (the product stays
   ranked): renewed at N = min(result, certificate stars) stars when N reaches the rule set's
   recognised minimum, else not renewed (the certificate runs to its expiry).
4. :func:`confirm` — the approver of the level that recognises N stars records the decision
   and issues the new certificate, which replaces the old one.

Errors as elsewhere: ``InvalidInput`` (422), ``Conflict`` (409), ``TransitionDenied`` (403).
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .. import clock, rules, workflow
from ..extensions import db
from ..models import (Certificate, EvaluationRound, Product, Reevaluation, ReevaluationOutcome,
                      ReevaluationStatus, RoundProduct, StageEvent, User)
from ..products import operations as product_ops
from ..products.operations import Conflict, InvalidInput, utcnow
from ..workflow import Level, Role, Stage

#: Roles that file a re-evaluation: the commune officer (of the product's commune, by scope)
#: and the city/province officer.
FILING_ROLES = frozenset({Role.COMMUNE_STAFF, Role.CITY_STAFF})
#: The approver role of each level that may recognise stars.
APPROVER_OF = {Level.DISTRICT: Role.DISTRICT_APPROVER, Level.CITY: Role.CITY_APPROVER}


def _vdate(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def governing_rule_set(certificate: Certificate, day: dt.date) -> rules.RuleSet | None:
    """The rule set that governs a re-evaluation filed on ``day``: the one in force that day if
    it sets a finishing time, else the certificate's own if it does, else ``None``
    (QĐ 26/2026 Điều 4 is the first decision that sets both window and finishing time)."""
    for rule_set in (rules.in_force_on(day), certificate.rule_set):
        if rule_set is not None and rule_set.deadlines.get("reevaluation_finish_days"):
            return rule_set
    return None


def central(certificate: Certificate, day: dt.date) -> bool:
    """Whether the certificate's stars are re-evaluated at the central level, outside this software
    (★5: QĐ 26/2026 Điều 7, the Prime Minister's council), by the rule set governing ``day``."""
    rule_set = governing_rule_set(certificate, day) or certificate.rule_set
    level = rule_set.recognising_level(certificate.stars)
    return level is None or level not in rule_set.levels


def latest_for(certificate: Certificate) -> Reevaluation | None:
    """The certificate's most recent re-evaluation, if any."""
    return db.session.scalars(select(Reevaluation).where(Reevaluation.certificate_id == certificate.id)
                              .order_by(Reevaluation.id.desc())).first()


def can_file(certificate: Certificate, user: User) -> bool:
    """Whether ``user``'s role files re-evaluations and the certificate may be re-evaluated today
    (scope is checked by the caller). Used to show the button; :func:`file` checks again."""
    if user is None or not getattr(user, "is_authenticated", False) or Role(user.role) not in FILING_ROLES:
        return False
    try:
        _check_fileable(certificate, clock.today())
    except (InvalidInput, Conflict):
        return False
    return True


def _check_fileable(certificate: Certificate, today: dt.date) -> rules.RuleSet:
    product = certificate.product
    if product.stage != Stage.RANKED.value or product.certificate is None or product.certificate.id != certificate.id:
        raise InvalidInput({"reevaluation": _l("Only the current certificate of a ranked product is re-evaluated.")})
    if central(certificate, today):
        raise InvalidInput({"reevaluation": _l("Re-evaluation of %(n)s-star certificates is done by the central "
                                               "level, not in this software.", n=certificate.stars)})
    window = certificate.reevaluation_window()
    if window is None:
        first = next((r for r in rules.all_rule_sets() if r.deadlines.get("reevaluation_window_days")), None)
        if first is None:
            raise InvalidInput({"reevaluation": _l("No rule set gives this certificate a re-evaluation window.")})
        start, end = first.deadlines["reevaluation_window_days"]
        raise InvalidInput({"reevaluation": _l(
            "This certificate has no re-evaluation window: %(decision)s, the first decision to give one (%(start)s "
            "to %(end)s days before expiry), came into force on %(date)s, after this certificate's window had "
            "closed. A new evaluation follows the full route.",
            decision=first.decision, start=start, end=end, date=_vdate(first.effective_from))})
    if not certificate.in_reevaluation_window(today):
        raise InvalidInput({"reevaluation": _l(
            "Re-evaluation of this certificate can only be filed from %(start)s to %(end)s "
            "(180 to 120 days before it expires on %(expiry)s).",
            start=_vdate(window[0]), end=_vdate(window[1]), expiry=_vdate(certificate.valid_until))})
    rule_set = governing_rule_set(certificate, today)
    if rule_set is None:
        raise InvalidInput({"reevaluation": _l("No rule set gives this certificate a re-evaluation window.")})
    level = rule_set.recognising_level(certificate.stars)
    if level is None or level not in rule_set.levels:
        raise InvalidInput({"reevaluation": _l("Re-evaluation of %(n)s-star certificates is done by the central "
                                               "level, not in this software.", n=certificate.stars)})
    previous = latest_for(certificate)
    if previous is not None and not previous.decided:
        raise Conflict(_l("A re-evaluation of this certificate was already filed on %(date)s; it is under way.",
                          date=_vdate(previous.filed_on)))
    if previous is not None:
        raise InvalidInput({"reevaluation": _l("This certificate has already been re-evaluated.")})
    return rule_set


def file(certificate: Certificate, actor: User) -> Reevaluation:
    """File the re-evaluation of ``certificate`` today (đề nghị đánh giá lại, QĐ 26/2026 Điều 4):
    due ``reevaluation_finish_days`` (45) days later by the governing rule set; the product's
    timeline records it.

    :raises workflow.TransitionDenied: ``actor``'s role does not file re-evaluations.
    :raises InvalidInput: outside the window (the message names its first and last day), not
        the product's current certificate, or a ★ level this software's chain does not recognise.
    :raises Conflict: a re-evaluation of this certificate is already open (also when two
        people file at once: the database lets one in).
    """
    if Role(actor.role) not in FILING_ROLES:
        raise workflow.TransitionDenied(_l("Commune or city officers file a re-evaluation."))
    today = clock.today()
    rule_set = _check_fileable(certificate, today)
    days = int(rule_set.deadlines["reevaluation_finish_days"])
    product = certificate.product
    reevaluation = Reevaluation(
        certificate_id=certificate.id, open_certificate_id=certificate.id, product_id=product.id,
        rule_set_code=rule_set.code, filed_on=today, filed_by_id=actor.id,
        due_on=today + dt.timedelta(days=days), status=ReevaluationStatus.FILED.value,
    )
    db.session.add(reevaluation)
    try:
        db.session.flush()
    except IntegrityError as exc:  # someone else filed the same certificate a moment earlier
        db.session.rollback()
        raise Conflict(_l("A re-evaluation of this certificate has just been filed by someone else.")) from exc
    _timeline(product, actor, "reevaluation_filed",
              f"{certificate.number}; due={reevaluation.due_on.isoformat()} ({rule_set.decision})")
    db.session.flush()
    return reevaluation


def _timeline(product: Product, actor: User | None, action: str, detail: str, reason: str = "") -> StageEvent:
    """Append a timeline entry that leaves the product's workflow state as it is."""
    state = workflow.state_of(product)
    event = StageEvent(product=product, actor=actor, action=action, from_stage=state[0], from_status=state[1],
                       from_level=state[2], to_stage=product.stage, to_status=product.status,
                       to_level=product.level, reason=reason, detail=detail, at=clock.now())
    db.session.add(event)
    return event


# --------------------------------------------------------------------------
# Written-opinion rounds
# --------------------------------------------------------------------------


def runs_written_rounds(rule_set: rules.RuleSet, level: Level) -> bool:
    """Whether a council at ``level`` re-evaluates under ``rule_set``: the rule set has a
    re-evaluation window, ``level`` is in its chain and recognises stars (QĐ 26/2026 Điều 4
    and 7: the city/province, which took over the district's duties in July 2025)."""
    return (bool(rule_set.deadlines.get("reevaluation_window_days"))
            and level.value in rule_set.levels and level.value in rule_set.recognition)


def eligible_products(round_: EvaluationRound) -> list[Product]:
    """Ranked products in the round's unit with a filed re-evaluation not yet in a round, whose
    certificate's stars the round's level recognises under the round's rule set."""
    level = Level(round_.level)
    column = Product.district_id if level is Level.DISTRICT else Product.city_id
    rows = db.session.execute(
        select(Product, Certificate.stars).join(Reevaluation, Reevaluation.product_id == Product.id)
        .join(Certificate, Certificate.id == Reevaluation.certificate_id)
        .where(column == round_.unit_id, Product.stage == Stage.RANKED.value,
               Reevaluation.status == ReevaluationStatus.FILED.value, Certificate.revoked_on.is_(None))
        .order_by(Product.name, Product.id)
    ).all()
    rule_set = round_.rule_set
    return [p for p, stars in rows if rule_set.recognising_level(stars) == level.value]


def _open_in(round_: EvaluationRound, product: Product) -> Reevaluation | None:
    return db.session.scalars(select(Reevaluation).where(
        Reevaluation.product_id == product.id, Reevaluation.round_id == round_.id,
        Reevaluation.status == ReevaluationStatus.IN_ROUND.value)).first()


def enter_round(round_: EvaluationRound, product: Product) -> None:
    """Mark the product's filed re-evaluation as taken by ``round_`` (compare-and-set).

    :raises Conflict: another round took it meanwhile.
    """
    changed = db.session.execute(
        update(Reevaluation)
        .where(Reevaluation.product_id == product.id, Reevaluation.status == ReevaluationStatus.FILED.value)
        .values(status=ReevaluationStatus.IN_ROUND.value, round_id=round_.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise Conflict(_l("This re-evaluation was taken into another round in the meantime."))


def leave_round(round_: EvaluationRound, product: Product) -> None:
    """Give the product's re-evaluation back to "filed" when it is taken out of ``round_``."""
    db.session.execute(
        update(Reevaluation)
        .where(Reevaluation.product_id == product.id, Reevaluation.round_id == round_.id,
               Reevaluation.status == ReevaluationStatus.IN_ROUND.value)
        .values(status=ReevaluationStatus.FILED.value, round_id=None)
        .execution_options(synchronize_session=False)
    )


def renewal_stars(rule_set: rules.RuleSet, result_stars: int | None, certificate_stars: int) -> int | None:
    """Stars of the renewal: N = min(result, certificate) — re-evaluation keeps or lowers the
    stars, never raises them (raising is an upgrade, QĐ 26/2026 Điều 4) — or ``None`` (not
    renewed) when there is no result or N is below the rule set's recognised minimum (★3)."""
    if result_stars is None:
        return None
    stars = min(result_stars, certificate_stars)
    return stars if stars >= rule_set.recognised_min_stars else None


def decide(entry: RoundProduct, actor: User) -> Reevaluation:
    """Record the council's decision for a product of a written round being closed: from the
    frozen result of ``entry`` (score and stars by the round's rule set, minimum criteria
    applied; or a disqualification). The product's workflow state does not change; its
    timeline says what was decided.

    :raises Conflict: the product's re-evaluation is no longer in this round.
    """
    round_ = entry.round
    reevaluation = _open_in(round_, entry.product)
    if reevaluation is None:
        raise Conflict(_l("This product's re-evaluation is no longer in this round."))
    certificate = reevaluation.certificate
    stars = renewal_stars(round_.rule_set, entry.stars if entry.outcome == "scored" else None, certificate.stars)
    reevaluation.status = ReevaluationStatus.DECIDED.value
    reevaluation.open_certificate_id = None
    reevaluation.score, reevaluation.result_stars = entry.score, entry.stars
    reevaluation.renewed_stars = stars
    reevaluation.outcome = (ReevaluationOutcome.RENEWED if stars else ReevaluationOutcome.NOT_RENEWED).value
    reevaluation.decided_at = utcnow()
    entry.applied_at = utcnow()
    if entry.outcome == "disqualified":
        detail = f"round={round_.id}; disqualified: {entry.disqualified_reason}; not renewed"
    elif stars:
        detail = f"round={round_.id}; score={entry.score}; stars={entry.stars}; renewed at {stars}"
    else:
        detail = f"round={round_.id}; score={entry.score}; stars={entry.stars}; not renewed"
    _timeline(entry.product, actor, "reevaluation_decided", f"{certificate.number}; {detail}")
    return reevaluation


# --------------------------------------------------------------------------
# Confirming a renewal
# --------------------------------------------------------------------------


def recognising_level(reevaluation: Reevaluation) -> Level | None:
    """The level that recognises the renewal's stars under the round's rule set."""
    if not reevaluation.renewed_stars or reevaluation.round is None:
        return None
    level = reevaluation.round.rule_set.recognising_level(reevaluation.renewed_stars)
    return Level(level) if level in {lv.value for lv in Level} else None


def may_confirm(reevaluation: Reevaluation | None, user: User) -> bool:
    """Whether ``user`` confirms this renewal: the approver of the level that recognises its stars
    under the round's rule set (QĐ 26/2026 Điều 7: the city/province chairperson, ★3–★4), serving
    the round's unit. See also :func:`ocop_app.certificates.operations.may_revoke`."""
    if reevaluation is None or user is None or not getattr(user, "is_authenticated", False):
        return False
    if not reevaluation.awaiting_confirmation:
        return False
    level = recognising_level(reevaluation)
    return (level is not None and Role(user.role) is APPROVER_OF.get(level)
            and user.unit_id == reevaluation.round.unit_id)


def confirm(reevaluation: Reevaluation, actor: User, *, decision_no: str, signed_on: dt.date | None,
            certificate_no: str) -> Certificate:
    """Confirm the council's renewal: record the decision (number, signing date) and issue the new
    certificate with the renewed stars, valid the round's rule set's ``certificate_months``
    (36, QĐ 26/2026 Điều 4.3) from signing. The old certificate is replaced from that day; the
    product's stars go down to the renewal's if lower; the timeline records it.

    :raises workflow.TransitionDenied: ``actor`` is not the recognising level's approver, or
        nothing waits for confirmation.
    :raises InvalidInput: missing/invalid decision number, date (not in the future, not before
        the council's decision) or certificate number (unique).
    :raises Conflict: someone confirmed it meanwhile.
    """
    if reevaluation.certificate.revoked_on is not None:
        raise Conflict(revoked_meanwhile(reevaluation.certificate))
    if not may_confirm(reevaluation, actor):
        raise workflow.TransitionDenied(_l("Only the approver of the level that recognises these stars "
                                           "confirms the renewal, once the council has renewed it."))
    round_ = reevaluation.round
    rule_set = round_.rule_set
    values = product_ops.validate_certificate(
        {"decision_no": decision_no, "signed_on": signed_on, "certificate_no": certificate_no}, rule_set)
    if values["signed_on"] < reevaluation.filed_on:
        raise InvalidInput({"signed_on": _l("The renewal cannot be signed before the re-evaluation was filed "
                                            "(%(date)s).", date=_vdate(reevaluation.filed_on))})
    changed = db.session.execute(
        update(Reevaluation)
        .where(Reevaluation.id == reevaluation.id, Reevaluation.confirmed_at.is_(None))
        .values(confirmed_at=utcnow(), confirmed_by_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise Conflict(_l("This renewal has already been confirmed."))
    old = reevaluation.certificate
    product = reevaluation.product
    stars = reevaluation.renewed_stars
    new = Certificate(
        product=product, number=values["certificate_no"], decision_no=values["decision_no"],
        signed_on=values["signed_on"], valid_until=rule_set.certificate_valid_until(values["signed_on"]),
        stars=stars, issued_by=recognising_level(reevaluation).value, rule_set_code=rule_set.code,
        note=f"Đánh giá lại (thay thế {old.number})",
    )
    db.session.add(new)
    try:
        db.session.flush()
    except IntegrityError as exc:  # the number was issued by a concurrent request
        db.session.rollback()
        raise Conflict(_l("This certificate number has just been issued by someone else.")) from exc
    replaced = db.session.execute(  # compare-and-set: a revocation signed meanwhile wins
        update(Certificate).where(Certificate.id == old.id, Certificate.revoked_on.is_(None),
                                  Certificate.replaced_by_id.is_(None))
        .values(replaced_by_id=new.id).execution_options(synchronize_session=False)).rowcount
    if replaced != 1:
        db.session.rollback()
        db.session.refresh(old)
        raise Conflict(revoked_meanwhile(old) if old.revoked_on else _l("This renewal has already been confirmed."))
    reevaluation.new_certificate_id = new.id
    lowered = (product.stars or 0) > stars
    if lowered:
        product.stars, product.score = stars, reevaluation.score
    _timeline(product, actor, "reevaluation_renewed",
              f"decision={values['decision_no']}; certificate={new.number}; signed={new.signed_on}; "
              f"replaces={old.number}; stars={stars}" + ("; stars lowered" if lowered else ""))
    product_ops._flush_or_conflict()
    db.session.refresh(old)
    return new


def revoked_meanwhile(certificate: Certificate):
    """The message for a renewal whose certificate was revoked before it was confirmed."""
    return _l("Certificate %(number)s was revoked on %(date)s by decision %(decision)s; its renewal can no "
              "longer be confirmed.", number=certificate.number, date=_vdate(certificate.revoked_on),
              decision=certificate.revocation_decision or "—")


def renewals_waiting(user: User) -> list[Reevaluation]:
    """Renewals ``user`` must confirm ("Việc của tôi"): decided by a written round of the user's
    unit, renewed, the new certificate not yet issued, and :func:`may_confirm` for the user
    (the approver of the level that recognises the renewed stars); due date first."""
    if user is None or not getattr(user, "is_authenticated", False) or Role(user.role) not in APPROVER_OF.values():
        return []
    rows = db.session.scalars(
        select(Reevaluation).join(EvaluationRound, EvaluationRound.id == Reevaluation.round_id)
        .where(EvaluationRound.unit_id == user.unit_id, Reevaluation.status == ReevaluationStatus.DECIDED.value,
               Reevaluation.outcome == ReevaluationOutcome.RENEWED.value, Reevaluation.new_certificate_id.is_(None))
        .order_by(Reevaluation.due_on, Reevaluation.id)).all()
    return [r for r in rows if may_confirm(r, user)]


def confirmers(reevaluation: Reevaluation) -> list[User]:
    """Active users who may confirm this renewal (see :func:`may_confirm`)."""
    level = recognising_level(reevaluation)
    role = APPROVER_OF.get(level) if level is not None else None
    if role is None or not reevaluation.awaiting_confirmation:
        return []
    users = db.session.scalars(select(User).where(User.active.is_(True), User.role == role.value,
                                                  User.unit_id == reevaluation.round.unit_id).order_by(User.id))
    return [u for u in users if may_confirm(reevaluation, u)]


def tell_confirmers(reevaluation: Reevaluation) -> int:
    """Notify the approvers who must confirm a renewal, when the round that renewed it closes
    (key ``renewal-to-confirm:<id>``: told once). Done on closing rather than by the daily job
    so they hear of it the moment there is something to do; the overdue reminder
    (``reevaluation-overdue``) still follows if it is left past its due date. Returns how
    many notifications were stored."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from ..notifications import reminders

    users = confirmers(reevaluation)
    if not users:
        return 0
    certificate, product = reevaluation.certificate, reevaluation.product
    with force_locale("vi"):
        reminder = reminders.Reminder(
            key=f"renewal-to-confirm:{reevaluation.id}", users=users,
            title=_("Renewal to confirm: %(name)s", name=product.name),
            body=_("The council renewed certificate %(number)s at %(n)s stars (round %(round)s). Confirm the "
                   "renewal and issue the new certificate by %(due)s.", number=certificate.number,
                   n=reevaluation.renewed_stars, round=reevaluation.round.name, due=_vdate(reevaluation.due_on)),
            url=f"/staff/certificates/{certificate.id}")
    return reminders.give_now(reminder).notifications
