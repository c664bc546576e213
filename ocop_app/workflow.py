"""The OCOP product workflow, declared as data.

A product's state is the triple ``(stage, status, level)``: how far it has
come in the annual cycle (QĐ 490/QĐ-TTg, 2018: registered → trained →
upgraded → evaluated → ranked), whether the step is a draft, awaiting
sign-off, returned, rejected…, and which administrative level holds it.

:data:`TRANSITIONS` lists every step a person can take, with the level and
roles that may take it, the guards that must hold and the state it leads
to. :func:`available_transitions` answers "what may this user do now"; the
buttons in the templates and the server's check in
:func:`authorise` both ask it, so the UI never decides a rule on its own.

The chain of levels comes from the product's rule set: commune → district →
city is the three-level chain of QĐ 1048/QĐ-TTg (2019) and QĐ 148/QĐ-TTg
(2023) that Thạch Thất used; commune → city is the two-level chain of
QĐ 1489/QĐ-TTg (2025) and QĐ 26/2026/QĐ-TTg, after the district level was
abolished. Each row says which chains it applies to (``chains``; ``None``
means every chain), so both chains live side by side as data.
Thresholds (star bands, the stars needed to go up a level) are read from
the product's rule set (:mod:`ocop_app.rules`), never from constants here.

Scope (which unit a user serves) is checked before any of this, in
:mod:`ocop_app.permissions`: out of scope is a 404 there; this module
answers 403 for the wrong role, level or state.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable

from flask_babel import lazy_gettext as _l

if TYPE_CHECKING:  # pragma: no cover
    from .models import Product, User


class Level(enum.StrEnum):
    """Administrative level that acts on a product."""

    COMMUNE = "commune"
    DISTRICT = "district"
    CITY = "city"

    @property
    def label(self):
        return {
            Level.COMMUNE: _l("Commune"),
            Level.DISTRICT: _l("District"),
            Level.CITY: _l("City"),
        }[self]


class Stage(enum.StrEnum):
    """Stage of the annual OCOP cycle, in order."""

    REGISTERED = "registered"
    TRAINED = "trained"
    UPGRADED = "upgraded"
    EVALUATED = "evaluated"
    RANKED = "ranked"

    @property
    def label(self):
        return {
            Stage.REGISTERED: _l("Registered"),
            Stage.TRAINED: _l("Trained"),
            Stage.UPGRADED: _l("Upgraded"),
            Stage.EVALUATED: _l("Evaluated"),
            Stage.RANKED: _l("Ranked"),
        }[self]

    @property
    def order(self) -> int:
        return list(Stage).index(self)


class Status(enum.StrEnum):
    """Where the current stage's step stands."""

    DRAFT = "draft"
    AWAITING = "awaiting"
    APPROVED = "approved"
    RETURNED = "returned"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"

    @property
    def label(self):
        return {
            Status.DRAFT: _l("Draft"),
            Status.AWAITING: _l("Awaiting sign-off"),
            Status.APPROVED: _l("Approved"),
            Status.RETURNED: _l("Returned for revision"),
            Status.REJECTED: _l("Rejected"),
            Status.WITHDRAWN: _l("Withdrawn"),
            Status.CLOSED: _l("Not recognised"),
        }[self]

    @property
    def badge(self) -> str:
        """CSS modifier for the status badge."""
        return {
            Status.DRAFT: "muted",
            Status.AWAITING: "info",
            Status.APPROVED: "ok",
            Status.RETURNED: "warn",
            Status.REJECTED: "bad",
            Status.WITHDRAWN: "muted",
            Status.CLOSED: "bad",
        }[self]

    @property
    def terminal(self) -> bool:
        return self in (Status.REJECTED, Status.WITHDRAWN, Status.CLOSED)


class Role(enum.StrEnum):
    """A user's role; each role acts at exactly one level (admin at none)."""

    COMMUNE_STAFF = "commune_staff"
    COMMUNE_APPROVER = "commune_approver"
    DISTRICT_STAFF = "district_staff"
    DISTRICT_APPROVER = "district_approver"
    DISTRICT_COUNCIL = "district_council"
    CITY_STAFF = "city_staff"
    CITY_APPROVER = "city_approver"
    CITY_COUNCIL = "city_council"
    ADMIN = "admin"

    @property
    def level(self) -> Level | None:
        return _ROLE_LEVEL[self]

    @property
    def label(self):
        return {
            Role.COMMUNE_STAFF: _l("Commune officer"),
            Role.COMMUNE_APPROVER: _l("Commune approver"),
            Role.DISTRICT_STAFF: _l("District officer"),
            Role.DISTRICT_APPROVER: _l("District approver"),
            Role.DISTRICT_COUNCIL: _l("District council member"),
            Role.CITY_STAFF: _l("City officer"),
            Role.CITY_APPROVER: _l("City approver"),
            Role.CITY_COUNCIL: _l("City council member"),
            Role.ADMIN: _l("Administrator"),
        }[self]


_ROLE_LEVEL = {
    Role.COMMUNE_STAFF: Level.COMMUNE,
    Role.COMMUNE_APPROVER: Level.COMMUNE,
    Role.DISTRICT_STAFF: Level.DISTRICT,
    Role.DISTRICT_APPROVER: Level.DISTRICT,
    Role.DISTRICT_COUNCIL: Level.DISTRICT,
    Role.CITY_STAFF: Level.CITY,
    Role.CITY_APPROVER: Level.CITY,
    Role.CITY_COUNCIL: Level.CITY,
    Role.ADMIN: None,
}


class Kind(enum.StrEnum):
    """What kind of step a transition is; decides its button style and audit wording."""

    ACT = "act"  # do the work and ask for sign-off
    SIGN_OFF = "sign_off"  # approve what the level below (or a colleague) did
    RETURN = "return"  # send back for revision, reason required
    REJECT = "reject"  # end the product's passage, reason required
    WITHDRAW = "withdraw"  # the registering side withdraws it, reason required


# --------------------------------------------------------------------------
# Guards: each returns None when it holds, or the message to show when not.
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Guard:
    """A condition a transition needs beyond role and state.

    ``check(product, user)`` returns ``None`` when the condition holds, or a
    translated message saying why the step is not open.
    """

    name: str
    description: str
    check: Callable[["Product", "User"], object | None]


def _not_own_step(product: "Product", user: "User"):
    if product.last_actor_id is not None and product.last_actor_id == user.id:
        return _l("You performed the previous step yourself; another person must sign it off.")
    return None


def _has_score(product: "Product", user: "User"):
    if product.stars is None:
        return _l("No evaluation result has been recorded.")
    return None


def _enough_stars_to_propose(product: "Product", user: "User"):
    needed = product.rule_set.propose_min_stars
    if product.stars is None or product.stars < needed:
        return _l("Only products with %(n)s stars or more go up to the city.", n=needed)
    return None


def _recognised_here(product: "Product", user: "User"):
    ranks = product.rule_set.recognition.get(product.level, ())
    if product.stars is None or product.stars not in ranks:
        if not ranks:
            return _l("Under %(decision)s this level recognises no star rank.", decision=product.rule_set.decision)
        return _l("Under %(decision)s this level recognises %(ranks)s stars only.",
                  decision=product.rule_set.decision, ranks=", ".join(str(r) for r in ranks))
    return None


def _needs_higher_level(product: "Product", user: "User"):
    problem = _enough_stars_to_propose(product, user)
    if problem is None and product.stars in product.rule_set.recognition.get(product.level, ()):
        return _l("This level recognises %(n)s stars itself: confirm the ranking here.", n=product.stars)
    return problem


def _too_few_stars_to_propose(product: "Product", user: "User"):
    needed = product.rule_set.propose_min_stars
    if product.stars in product.rule_set.recognition.get(product.level, ()):
        return _l("This level recognises %(n)s stars itself: confirm the ranking here.", n=product.stars)
    if product.stars is not None and product.stars >= needed:
        return _l("This product reached %(n)s stars or more and must be proposed to the city.", n=needed)
    return None


def _council_result(product: "Product", user: "User", outcome: str):
    """The product's pending result of a closed round (``outcome``), whose chair is ``user``."""
    from .evaluation.operations import pending_result  # the evaluation area owns rounds

    entry = pending_result(product, outcome)
    if entry is None:
        if outcome == "scored":
            return _l("No final council result is waiting for this product: the council chair closes the round.")
        return _l("The council has not disqualified this product in a closed round.")
    chair = entry.round.chair
    if chair is None or chair.user_id != user.id:
        return _l("Only the chair of the council that evaluated the product takes this step.")
    return None


def _city_scored(product: "Product", user: "User"):
    from .evaluation.operations import city_result_recorded  # the evaluation area owns rounds

    if not city_result_recorded(product):
        return _l("The city council has not scored this product yet: the chair of a city round records "
                  "its result when the round closes.")
    return None


NOT_OWN_STEP = Guard("not_own_step", "nobody signs off a step they performed themselves", _not_own_step)
HAS_SCORE = Guard("has_result", "an evaluation result (stars) is recorded", _has_score)
ENOUGH_STARS = Guard(
    "enough_stars", "stars ≥ the rule set's propose_min_stars (★3 under QĐ 148/2023)", _enough_stars_to_propose
)
CITY_SCORED = Guard(
    "city_scored", "the city council's result was recorded after the district proposed the product "
    "(QĐ 148/2023: the city council scores what the districts propose)", _city_scored,
)
RECOGNISED_HERE = Guard(
    "recognised_here", "the product's stars are among those this level recognises under its rule set "
    "(QĐ 148/2023: the district chairperson recognises ★3)", _recognised_here,
)
NEEDS_HIGHER_LEVEL = Guard(
    "needs_higher_level", "stars ≥ the rule set's propose_min_stars and not recognised at this level "
    "(QĐ 148/2023: ★4 and up go to the city; QĐ 1048/2019: ★3 and up)", _needs_higher_level,
)
TOO_FEW_STARS = Guard("too_few_stars", "stars < the rule set's propose_min_stars and not recognised at this "
                      "level (QĐ 148/2023: the district recognises ★3)", _too_few_stars_to_propose)
RESULT_FINAL = Guard(
    "result_final", "a closed round holds the product's final result (quorum met, spread within limits); "
    "the user chairs that round's council", lambda p, u: _council_result(p, u, "scored"),
)
DISQUALIFIED = Guard(
    "disqualified", "a closed round disqualified the product; the user chairs that round's council",
    lambda p, u: _council_result(p, u, "disqualified"),
)


def _producer_trained(product: "Product", user: "User"):
    from .training.operations import training_problem

    return training_problem(product)


def _plan_finished(product: "Product", user: "User"):
    from .dossier.operations import plan_problems

    problems = plan_problems(product)
    return (_l("The upgrade plan is not finished: %(items)s.", items="; ".join(str(p).rstrip(".") for p in problems))
            if problems else None)


def _dossier_complete(product: "Product", user: "User"):
    from .dossier.operations import dossier_problems

    problems = dossier_problems(product)
    return (_l("The dossier is not complete: %(items)s.", items="; ".join(str(p).rstrip(".") for p in problems))
            if problems else None)


PRODUCER_TRAINED = Guard(
    "producer_trained", "a representative of the producer attended a training course of the cycle", _producer_trained
)
PLAN_FINISHED = Guard(
    "plan_finished", "every upgrade action is done, or dropped with a reason", _plan_finished
)
DOSSIER_COMPLETE = Guard(
    "dossier_complete",
    "every required dossier item (QĐ 26/2026, Điều 6) is uploaded and none expires before the planned evaluation date",
    _dossier_complete,
)


# --------------------------------------------------------------------------
# Transitions
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """One step a user may take on a product.

    ``source_statuses`` are the statuses (within ``source_stage`` at
    ``level``) the step starts from; ``target`` is the ``(stage, status,
    level)`` it leads to. ``effects`` name extra changes the operation makes
    (see :data:`ocop_app.products.operations.EFFECTS`).
    """

    name: str
    label: object
    kind: Kind
    source_stage: Stage
    source_statuses: frozenset[Status]
    level: Level
    target: tuple[Stage, Status, Level]
    roles: frozenset[Role]
    guards: tuple[Guard, ...] = ()
    needs_reason: bool = False
    needs_certificate: bool = False
    effects: tuple[str, ...] = ()
    #: Chains of levels (as in :attr:`ocop_app.rules.RuleSet.levels`) the row applies to; ``None`` = all.
    chains: frozenset[tuple[str, ...]] | None = None

    def starts_from(self, stage: Stage, status: Status, level: Level) -> bool:
        return stage == self.source_stage and status in self.source_statuses and level == self.level

    def applies_to(self, chain: tuple[str, ...] | None) -> bool:
        """Whether this row belongs to the chain of levels ``chain`` (``None``: any chain)."""
        return self.chains is None or chain is None or tuple(chain) in self.chains


#: The chains of levels the rule sets use (``ocop_app/data/rule_sets.json``).
THREE_LEVELS = ("commune", "district", "city")  # QĐ 1048/2019, QĐ 148/2023
TWO_LEVELS = ("commune", "city")  # QĐ 1489/2025, QĐ 26/2026
ANY_CHAIN = None


def _t(name, label, kind, source, target, roles, guards=(), effects=(), needs_certificate=False,
       chains=(THREE_LEVELS,)) -> Transition:
    stage, statuses, level = source
    if isinstance(statuses, Status):
        statuses = {statuses}
    return Transition(
        name=name,
        label=label,
        kind=kind,
        source_stage=stage,
        source_statuses=frozenset(statuses),
        level=level,
        target=target,
        roles=frozenset(roles),
        guards=tuple(guards),
        needs_reason=kind in (Kind.RETURN, Kind.REJECT, Kind.WITHDRAW),
        needs_certificate=needs_certificate,
        effects=tuple(effects),
        chains=None if chains is None else frozenset(tuple(c) for c in chains),
    )


S, ST, L, R, K = Status, Stage, Level, Role, Kind

TRANSITIONS: tuple[Transition, ...] = (
    # --- Registration at the commune -------------------------------------
    _t("submit", _l("Submit for commune sign-off"), K.ACT,
       (ST.REGISTERED, {S.DRAFT, S.RETURNED}, L.COMMUNE), (ST.REGISTERED, S.AWAITING, L.COMMUNE),
       {R.COMMUNE_STAFF}, chains=ANY_CHAIN),
    _t("withdraw", _l("Withdraw registration"), K.WITHDRAW,
       (ST.REGISTERED, {S.DRAFT, S.RETURNED}, L.COMMUNE), (ST.REGISTERED, S.WITHDRAWN, L.COMMUNE),
       {R.COMMUNE_STAFF}, chains=ANY_CHAIN),
    _t("commune_sign_off", _l("Sign off and send to the district"), K.SIGN_OFF,
       (ST.REGISTERED, S.AWAITING, L.COMMUNE), (ST.REGISTERED, S.AWAITING, L.DISTRICT),
       {R.COMMUNE_APPROVER}, [NOT_OWN_STEP]),
    _t("commune_return", _l("Return to the commune officer"), K.RETURN,
       (ST.REGISTERED, S.AWAITING, L.COMMUNE), (ST.REGISTERED, S.RETURNED, L.COMMUNE),
       {R.COMMUNE_APPROVER}, chains=ANY_CHAIN),
    _t("commune_reject", _l("Reject"), K.REJECT,
       (ST.REGISTERED, S.AWAITING, L.COMMUNE), (ST.REGISTERED, S.REJECTED, L.COMMUNE),
       {R.COMMUNE_APPROVER}, chains=ANY_CHAIN),
    # --- The district receives the commune's proposal -------------------
    _t("district_accept", _l("Accept into the district programme"), K.SIGN_OFF,
       (ST.REGISTERED, S.AWAITING, L.DISTRICT), (ST.REGISTERED, S.APPROVED, L.DISTRICT),
       {R.DISTRICT_APPROVER}, [NOT_OWN_STEP]),
    _t("district_return_registration", _l("Return to the commune"), K.RETURN,
       (ST.REGISTERED, S.AWAITING, L.DISTRICT), (ST.REGISTERED, S.RETURNED, L.COMMUNE),
       {R.DISTRICT_APPROVER}),
    _t("district_reject_registration", _l("Reject"), K.REJECT,
       (ST.REGISTERED, S.AWAITING, L.DISTRICT), (ST.REGISTERED, S.REJECTED, L.DISTRICT),
       {R.DISTRICT_APPROVER}),
    # --- Training --------------------------------------------------------
    _t("record_training", _l("Record training"), K.ACT,
       (ST.REGISTERED, {S.APPROVED, S.RETURNED}, L.DISTRICT), (ST.TRAINED, S.AWAITING, L.DISTRICT),
       {R.DISTRICT_STAFF}, [PRODUCER_TRAINED]),
    _t("confirm_training", _l("Confirm training"), K.SIGN_OFF,
       (ST.TRAINED, S.AWAITING, L.DISTRICT), (ST.TRAINED, S.APPROVED, L.DISTRICT),
       {R.DISTRICT_APPROVER}, [NOT_OWN_STEP, PRODUCER_TRAINED]),
    _t("return_training", _l("Return training record"), K.RETURN,
       (ST.TRAINED, S.AWAITING, L.DISTRICT), (ST.REGISTERED, S.RETURNED, L.DISTRICT),
       {R.DISTRICT_APPROVER}),
    _t("reject_training", _l("Reject"), K.REJECT,
       (ST.TRAINED, S.AWAITING, L.DISTRICT), (ST.TRAINED, S.REJECTED, L.DISTRICT),
       {R.DISTRICT_APPROVER}),
    # --- Upgrading -------------------------------------------------------
    _t("record_upgrade", _l("Record upgrading"), K.ACT,
       (ST.TRAINED, {S.APPROVED, S.RETURNED}, L.DISTRICT), (ST.UPGRADED, S.AWAITING, L.DISTRICT),
       {R.DISTRICT_STAFF}),
    _t("send_to_evaluation", _l("Confirm upgrading and send to evaluation"), K.SIGN_OFF,
       (ST.UPGRADED, S.AWAITING, L.DISTRICT), (ST.UPGRADED, S.APPROVED, L.DISTRICT),
       {R.DISTRICT_APPROVER}, [NOT_OWN_STEP, PLAN_FINISHED, DOSSIER_COMPLETE]),
    _t("return_upgrade", _l("Return upgrading record"), K.RETURN,
       (ST.UPGRADED, S.AWAITING, L.DISTRICT), (ST.TRAINED, S.RETURNED, L.DISTRICT),
       {R.DISTRICT_APPROVER}),
    _t("reject_upgrade", _l("Reject"), K.REJECT,
       (ST.UPGRADED, S.AWAITING, L.DISTRICT), (ST.UPGRADED, S.REJECTED, L.DISTRICT),
       {R.DISTRICT_APPROVER}),
    # --- Evaluation by the district council (an evaluation round) ---------
    # The chair closes the round (ocop_app/evaluation); closing takes one of these steps
    # for each product, carrying the round's result (score, stars) onto the product.
    _t("finalise_evaluation", _l("Record the council's final result"), K.ACT,
       (ST.UPGRADED, {S.APPROVED, S.RETURNED}, L.DISTRICT), (ST.EVALUATED, S.AWAITING, L.DISTRICT),
       {R.DISTRICT_COUNCIL}, [RESULT_FINAL], effects=["round_result"]),
    _t("council_disqualify", _l("Record the council's disqualification"), K.REJECT,
       (ST.UPGRADED, {S.APPROVED, S.RETURNED}, L.DISTRICT), (ST.EVALUATED, S.REJECTED, L.DISTRICT),
       {R.DISTRICT_COUNCIL}, [DISQUALIFIED], effects=["round_result"]),
    _t("propose_to_city", _l("Confirm the result and propose to the city"), K.SIGN_OFF,
       (ST.EVALUATED, {S.AWAITING, S.RETURNED}, L.DISTRICT), (ST.EVALUATED, S.AWAITING, L.CITY),
       {R.DISTRICT_APPROVER}, [NOT_OWN_STEP, HAS_SCORE, NEEDS_HIGHER_LEVEL]),
    # QĐ 148/2023: the district chairperson recognises ★3 (rule set ``recognition``); under
    # QĐ 1048/2019 the district recognises nothing and this step is never open.
    _t("district_confirm_ranking", _l("Confirm the star ranking (district recognition)"), K.SIGN_OFF,
       (ST.EVALUATED, {S.AWAITING, S.RETURNED}, L.DISTRICT), (ST.RANKED, S.APPROVED, L.DISTRICT),
       {R.DISTRICT_APPROVER}, [NOT_OWN_STEP, HAS_SCORE, RECOGNISED_HERE], effects=["rank"],
       needs_certificate=True),
    _t("close_not_recognised", _l("Confirm the result (not recognised)"), K.SIGN_OFF,
       (ST.EVALUATED, {S.AWAITING, S.RETURNED}, L.DISTRICT), (ST.EVALUATED, S.CLOSED, L.DISTRICT),
       {R.DISTRICT_APPROVER}, [NOT_OWN_STEP, HAS_SCORE, TOO_FEW_STARS]),
    _t("return_evaluation", _l("Return to the council for re-scoring"), K.RETURN,
       (ST.EVALUATED, {S.AWAITING, S.RETURNED}, L.DISTRICT), (ST.UPGRADED, S.RETURNED, L.DISTRICT),
       {R.DISTRICT_APPROVER}),
    _t("reject_evaluation", _l("Reject"), K.REJECT,
       (ST.EVALUATED, {S.AWAITING, S.RETURNED}, L.DISTRICT), (ST.EVALUATED, S.REJECTED, L.DISTRICT),
       {R.DISTRICT_APPROVER}),
    # --- Evaluation by the city council (an evaluation round) -------------
    _t("city_council_result", _l("Record the city council's final result"), K.ACT,
       (ST.EVALUATED, S.AWAITING, L.CITY), (ST.EVALUATED, S.AWAITING, L.CITY),
       {R.CITY_COUNCIL}, [RESULT_FINAL], effects=["round_result"]),
    _t("city_council_disqualify", _l("Record the city council's disqualification"), K.REJECT,
       (ST.EVALUATED, S.AWAITING, L.CITY), (ST.EVALUATED, S.REJECTED, L.CITY),
       {R.CITY_COUNCIL}, [DISQUALIFIED], effects=["round_result"]),
    # --- Ranking by the city ---------------------------------------------
    _t("confirm_ranking", _l("Confirm the star ranking"), K.SIGN_OFF,
       (ST.EVALUATED, S.AWAITING, L.CITY), (ST.RANKED, S.APPROVED, L.CITY),
       {R.CITY_APPROVER}, [NOT_OWN_STEP, HAS_SCORE, CITY_SCORED, ENOUGH_STARS], effects=["rank"],
       needs_certificate=True),
    _t("city_return", _l("Return to the district"), K.RETURN,
       (ST.EVALUATED, S.AWAITING, L.CITY), (ST.EVALUATED, S.RETURNED, L.DISTRICT),
       {R.CITY_APPROVER}),
    _t("city_reject", _l("Reject"), K.REJECT,
       (ST.EVALUATED, S.AWAITING, L.CITY), (ST.EVALUATED, S.REJECTED, L.CITY),
       {R.CITY_APPROVER}),
    # === Two-level chain (QĐ 1489/2025, QĐ 26/2026): commune review → city/province ===
    # The commune reviews within 15 working days and reports to the province (QĐ 26/2026 Điều 7);
    # the province's OCOP agency and advisory team then do what the district did before.
    _t("commune_send_to_city", _l("Sign off and send to the city"), K.SIGN_OFF,
       (ST.REGISTERED, S.AWAITING, L.COMMUNE), (ST.REGISTERED, S.AWAITING, L.CITY),
       {R.COMMUNE_APPROVER}, [NOT_OWN_STEP], chains=[TWO_LEVELS]),
    _t("city_accept", _l("Accept into the city programme"), K.SIGN_OFF,
       (ST.REGISTERED, S.AWAITING, L.CITY), (ST.REGISTERED, S.APPROVED, L.CITY),
       {R.CITY_APPROVER}, [NOT_OWN_STEP], chains=[TWO_LEVELS]),
    _t("city_return_registration", _l("Return to the commune"), K.RETURN,
       (ST.REGISTERED, S.AWAITING, L.CITY), (ST.REGISTERED, S.RETURNED, L.COMMUNE),
       {R.CITY_APPROVER}, chains=[TWO_LEVELS]),
    _t("city_reject_registration", _l("Reject"), K.REJECT,
       (ST.REGISTERED, S.AWAITING, L.CITY), (ST.REGISTERED, S.REJECTED, L.CITY),
       {R.CITY_APPROVER}, chains=[TWO_LEVELS]),
    _t("city_record_training", _l("Record training"), K.ACT,
       (ST.REGISTERED, {S.APPROVED, S.RETURNED}, L.CITY), (ST.TRAINED, S.AWAITING, L.CITY),
       {R.CITY_STAFF}, [PRODUCER_TRAINED], chains=[TWO_LEVELS]),
    _t("city_confirm_training", _l("Confirm training"), K.SIGN_OFF,
       (ST.TRAINED, S.AWAITING, L.CITY), (ST.TRAINED, S.APPROVED, L.CITY),
       {R.CITY_APPROVER}, [NOT_OWN_STEP, PRODUCER_TRAINED], chains=[TWO_LEVELS]),
    _t("city_return_training", _l("Return training record"), K.RETURN,
       (ST.TRAINED, S.AWAITING, L.CITY), (ST.REGISTERED, S.RETURNED, L.CITY),
       {R.CITY_APPROVER}, chains=[TWO_LEVELS]),
    _t("city_reject_training", _l("Reject"), K.REJECT,
       (ST.TRAINED, S.AWAITING, L.CITY), (ST.TRAINED, S.REJECTED, L.CITY),
       {R.CITY_APPROVER}, chains=[TWO_LEVELS]),
    _t("city_record_upgrade", _l("Record upgrading"), K.ACT,
       (ST.TRAINED, {S.APPROVED, S.RETURNED}, L.CITY), (ST.UPGRADED, S.AWAITING, L.CITY),
       {R.CITY_STAFF}, chains=[TWO_LEVELS]),
    _t("city_send_to_evaluation", _l("Confirm upgrading and send to evaluation"), K.SIGN_OFF,
       (ST.UPGRADED, S.AWAITING, L.CITY), (ST.UPGRADED, S.APPROVED, L.CITY),
       {R.CITY_APPROVER}, [NOT_OWN_STEP, PLAN_FINISHED, DOSSIER_COMPLETE], chains=[TWO_LEVELS]),
    _t("city_return_upgrade", _l("Return upgrading record"), K.RETURN,
       (ST.UPGRADED, S.AWAITING, L.CITY), (ST.TRAINED, S.RETURNED, L.CITY),
       {R.CITY_APPROVER}, chains=[TWO_LEVELS]),
    _t("city_reject_upgrade", _l("Reject"), K.REJECT,
       (ST.UPGRADED, S.AWAITING, L.CITY), (ST.UPGRADED, S.REJECTED, L.CITY),
       {R.CITY_APPROVER}, chains=[TWO_LEVELS]),
    # The city council scores in an evaluation round; its chair closes the round (ocop_app/evaluation).
    _t("city_finalise_evaluation", _l("Record the city council's final result"), K.ACT,
       (ST.UPGRADED, {S.APPROVED, S.RETURNED}, L.CITY), (ST.EVALUATED, S.AWAITING, L.CITY),
       {R.CITY_COUNCIL}, [RESULT_FINAL], effects=["round_result"], chains=[TWO_LEVELS]),
    _t("city_finalise_disqualify", _l("Record the city council's disqualification"), K.REJECT,
       (ST.UPGRADED, {S.APPROVED, S.RETURNED}, L.CITY), (ST.EVALUATED, S.REJECTED, L.CITY),
       {R.CITY_COUNCIL}, [DISQUALIFIED], effects=["round_result"], chains=[TWO_LEVELS]),
    _t("city_confirm_ranking", _l("Confirm the star ranking"), K.SIGN_OFF,
       (ST.EVALUATED, {S.AWAITING, S.RETURNED}, L.CITY), (ST.RANKED, S.APPROVED, L.CITY),
       {R.CITY_APPROVER}, [NOT_OWN_STEP, HAS_SCORE, ENOUGH_STARS], effects=["rank"], needs_certificate=True,
       chains=[TWO_LEVELS]),
    _t("city_close_not_recognised", _l("Confirm the result (not recognised)"), K.SIGN_OFF,
       (ST.EVALUATED, {S.AWAITING, S.RETURNED}, L.CITY), (ST.EVALUATED, S.CLOSED, L.CITY),
       {R.CITY_APPROVER}, [NOT_OWN_STEP, HAS_SCORE, TOO_FEW_STARS], chains=[TWO_LEVELS]),
    _t("city_return_evaluation", _l("Return to the council for re-scoring"), K.RETURN,
       (ST.EVALUATED, {S.AWAITING, S.RETURNED}, L.CITY), (ST.UPGRADED, S.RETURNED, L.CITY),
       {R.CITY_APPROVER}, chains=[TWO_LEVELS]),
    _t("city_reject_evaluation", _l("Reject"), K.REJECT,
       (ST.EVALUATED, {S.AWAITING, S.RETURNED}, L.CITY), (ST.EVALUATED, S.REJECTED, L.CITY),
       {R.CITY_APPROVER}, chains=[TWO_LEVELS]),
)

BY_NAME: dict[str, Transition] = {t.name: t for t in TRANSITIONS}
assert len(BY_NAME) == len(TRANSITIONS), "transition names must be unique"

#: States in which the registering commune officer may edit the product's details.
EDITABLE = (Stage.REGISTERED, frozenset({Status.DRAFT, Status.RETURNED}), Level.COMMUNE, frozenset({Role.COMMUNE_STAFF}))


class TransitionDenied(Exception):
    """Raised by :func:`authorise` when a step is not open to a user (HTTP 403)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class Choice:
    """A transition that matches the product's state and the user's role.

    ``blocked_by`` holds the guard messages that keep it closed (empty when open).
    """

    transition: Transition
    blocked_by: list = field(default_factory=list)
    #: Names of the guards that block it (e.g. ``"plan_finished"``), in the same order.
    blocked_guards: tuple = ()

    @property
    def open(self) -> bool:
        return not self.blocked_by


def state_of(product: "Product") -> tuple[Stage, Status, Level]:
    """The product's ``(stage, status, level)`` triple."""
    return Stage(product.stage), Status(product.status), Level(product.level)


def chain_of(product: "Product") -> tuple[str, ...]:
    """The chain of levels the product's rule set gives (e.g. ``("commune", "city")``)."""
    return tuple(product.rule_set.levels)


def transitions_from(stage: Stage, status: Status, level: Level,
                     chain: tuple[str, ...] | None = None) -> list[Transition]:
    """All transitions, for any role, that start from this state (in ``chain``, if given)."""
    return [t for t in TRANSITIONS if t.starts_from(stage, status, level) and t.applies_to(chain)]


#: Extra roles a user may act in, and for whom: ``fn(user) -> {Role: principal User}``.
#: :mod:`ocop_app.delegation` registers the approvers' substitutes here.
ROLE_SOURCES: list[Callable[["User"], dict]] = []


#: Why a user does not hold a role now though they might: ``fn(user, roles) -> message | None``.
#: :mod:`ocop_app.delegation` registers the substitute whose delegation has not started or has ended.
ROLE_REFUSALS: list[Callable[["User", frozenset[Role]], object]] = []


def role_refusal(user: "User", roles: frozenset[Role]) -> object:
    """The message for a user who may not take a step of ``roles``: the first specific reason a
    :data:`ROLE_REFUSALS` source gives (e.g. "your delegation ran from … to …"), else the generic one."""
    for source in ROLE_REFUSALS:
        message = source(user, roles)
        if message is not None:
            return message
    return _l("Your role may not take this step.")


def acting_roles(user: "User") -> dict:
    """``{Role: principal}`` the user may act in now: their own role (principal ``None``)
    and any role delegated to them for today (principal = the approver they stand in for)."""
    result = {}
    for source in ROLE_SOURCES:
        for role, principal in source(user).items():
            result.setdefault(Role(role), principal)
    result[Role(user.role)] = None
    return result


def acting_for(user: "User", transition: Transition):
    """The principal on whose behalf ``user`` takes ``transition``, or ``None`` in their own role."""
    roles = acting_roles(user)
    if Role(user.role) in transition.roles:
        return None
    for role in sorted(transition.roles):
        if role in roles:
            return roles[role]
    return None


def unit_ended(user: "User") -> bool:
    """Whether ``user`` serves a unit that has ended (a district after 30/6/2025, NQ 1656/NQ-UBTVQH15
    and QĐ 1489/QĐ-TTg; a split commune): such an account takes no step at all until the
    administrator moves it (:mod:`ocop_app.units.accounts`)."""
    from .units.accounts import user_unit_ended

    return user_unit_ended(user)


def choices(product: "Product", user: "User") -> list[Choice]:
    """Transitions from the product's state that the user's role may take, each with
    the guard messages that currently block it (so the page can say why). None for a
    user whose unit has ended (:func:`unit_ended`)."""
    if user is None or not getattr(user, "is_authenticated", False) or unit_ended(user):
        return []
    roles = acting_roles(user)
    result = []
    for t in transitions_from(*state_of(product), chain_of(product)):
        if roles.keys() & t.roles:
            failing = [(g.name, msg) for g in t.guards if (msg := g.check(product, user)) is not None]
            result.append(Choice(t, [msg for _n, msg in failing], tuple(n for n, _m in failing)))
    return result


def available_transitions(product: "Product", user: "User") -> list[Transition]:
    """What ``user`` may do to ``product`` now: role, level, state and guards all hold.

    Scope is not checked here: callers load the product through
    :func:`ocop_app.permissions.get_product_or_404` first.
    """
    return [c.transition for c in choices(product, user) if c.open]


def authorise(product: "Product", user: "User", name: str) -> Transition:
    """Return the transition ``name`` if ``user`` may take it on ``product`` now.

    :raises TransitionDenied: unknown step, the user's unit has ended, wrong role or
        level (for a substitute outside the delegation's period: when it runs, :func:`role_refusal`),
        wrong state, or a guard that does not hold — with a message for the user (HTTP 403).
    """
    transition = BY_NAME.get(name)
    if transition is None:
        raise TransitionDenied(_l("Unknown action."))
    if unit_ended(user):
        raise TransitionDenied(_l("Your unit has ended; you can take no step until the administrator "
                                  "moves your account."))
    if not acting_roles(user).keys() & transition.roles:
        raise TransitionDenied(role_refusal(user, transition.roles))
    if not transition.starts_from(*state_of(product)) or not transition.applies_to(chain_of(product)):
        raise TransitionDenied(_l("This step is not open in the product's current state."))
    for guard in transition.guards:
        message = guard.check(product, user)
        if message is not None:
            raise TransitionDenied(message)
    return transition


def waiting_for(product: "Product") -> list[tuple[Role, Transition]]:
    """Who the product is waiting for: ``(role, transition)`` for each forward step
    (act or sign-off) open from its current state, ignoring guards."""
    return [
        (role, t)
        for t in transitions_from(*state_of(product), chain_of(product))
        if t.kind in (Kind.ACT, Kind.SIGN_OFF)
        for role in sorted(t.roles)
    ]


def round_step(product: "Product", outcome: str) -> Transition:
    """The step an evaluation round's close takes for ``product``: the transition with the
    ``round_result`` effect that starts from the product's state in its chain — an ACT for a
    scored result, a REJECT for a disqualification.

    :raises TransitionDenied: when the product's state has no such step.
    """
    kind = Kind.ACT if outcome == "scored" else Kind.REJECT
    for t in transitions_from(*state_of(product), chain_of(product)):
        if "round_result" in t.effects and t.kind is kind:
            return t
    raise TransitionDenied(_l("This step is not open in the product's current state."))


def takes_round(product: "Product", level: Level) -> bool:
    """Whether a round at ``level`` can take ``product`` now: a ``round_result`` step at that level
    starts from the product's state in its own chain (see :func:`round_step`). A product the city
    council already scored under the two-level chain (evaluated, awaiting the approver) is not
    taken again: its state is a round's entry only in the three-level chain."""
    return any("round_result" in t.effects and t.level is level
               for t in transitions_from(*state_of(product), chain_of(product)))


def upgrade_plan_roles(product: "Product") -> frozenset[Role]:
    """The roles that keep ``product``'s upgrade plan and planned evaluation date: those that record
    its upgrade in its own chain (``record_upgrade``: district staff under commune → district →
    city; ``city_record_upgrade``: city staff under commune → city, QĐ 1489/2025 and QĐ 26/2026)."""
    chain = chain_of(product)
    return frozenset(role for t in TRANSITIONS
                     if t.target[0] == Stage.UPGRADED and t.kind is Kind.ACT
                     and (t.chains is None or chain in t.chains) for role in t.roles)


def round_entry_states(level: Level) -> set[tuple[Stage, Status, Level]]:
    """States from which a round at ``level`` can take a product: the source states of the
    ``round_result`` steps at that level, in every chain."""
    return {
        (t.source_stage, status, t.level)
        for t in TRANSITIONS if "round_result" in t.effects and t.level is level
        for status in t.source_statuses
    }


def queue_states(role: Role) -> list[tuple[Stage, Status, Level]]:
    """The states from which ``role`` has a forward step (act or sign-off): a
    product in one of them, in the user's scope, belongs in "Việc của tôi"."""
    states = set()
    for t in TRANSITIONS:
        if role in t.roles and t.kind in (Kind.ACT, Kind.SIGN_OFF):
            for status in t.source_statuses:
                states.add((t.source_stage, status, t.level))
    return sorted(states)


def can_edit(product: "Product", user: "User") -> bool:
    """Whether ``user``'s role may edit the product's details in its current state."""
    stage, statuses, level, roles = EDITABLE
    return (
        user is not None
        and getattr(user, "is_authenticated", False)
        and not unit_ended(user)
        and Role(user.role) in roles
        and state_of(product)[0] == stage
        and state_of(product)[1] in statuses
        and state_of(product)[2] == level
    )


def as_table(transitions: Iterable[Transition] = TRANSITIONS) -> str:
    """The workflow as a Markdown table (for the docs: ``flask --app ocop_app workflow``)."""
    lines = [
        "| step | kind | from (stage / status @ level) | to | roles | guards | chain |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in transitions:
        src = f"{t.source_stage} / {' or '.join(sorted(t.source_statuses))} @ {t.level}"
        dst = " / ".join(t.target[:2]) + f" @ {t.target[2]}"
        roles = ", ".join(sorted(t.roles))
        guards = ", ".join(g.name for g in t.guards) or "—"
        reason = " (reason required)" if t.needs_reason else ""
        chains = "all" if t.chains is None else ", ".join("→".join(c) for c in sorted(t.chains))
        lines.append(f"| {t.name} | {t.kind}{reason} | {src} | {dst} | {roles} | {guards} | {chains} |")
    return "\n".join(lines)
