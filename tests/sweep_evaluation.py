"""Route-sweep declarations for the evaluation area (rounds, councils, score sheets).

Rounds are built with the evaluation operations, as an organiser would: a round at the
acting user's level and unit (in scope; the admin gets a district round) and the same
round at the nearest unit out of scope (another district, another city). Where the
acting user is a council member of the round's level they chair the in-scope round, so
the council's own steps (sheet, recusal, reopening, disqualification, closing) succeed.
"""

from __future__ import annotations

import datetime as dt

from evaluation_support import choose_for_total
from ocop_app.evaluation import operations as ops
from ocop_app.extensions import db
from ocop_app.models import Disqualification, RoundStatus
from ocop_app.products.operations import utcnow
from ocop_app.workflow import Level, Role, Stage, Status

from routesweep import Case, param, route, scoped

#: For each level: the organiser and council roles, (in-scope unit, product commune), (out-of-scope ones),
#: and the product state a round at that level takes.
LEVELS = {
    Level.DISTRICT: (Role.DISTRICT_STAFF, Role.DISTRICT_COUNCIL, ("thach_that", "thach_xa"), ("quoc_oai", "sai_son"),
                     (Stage.UPGRADED, Status.APPROVED, Level.DISTRICT)),
    Level.CITY: (Role.CITY_STAFF, Role.CITY_COUNCIL, ("hanoi", "thach_xa"), ("lam_dong", "hiep_an"),
                 (Stage.EVALUATED, Status.AWAITING, Level.CITY)),
}


def _level(ctx) -> Level:
    level = ctx.role.level if ctx.role else None
    return level if level in LEVELS else Level.DISTRICT


class Built:
    """One round as built: its ids, and the people and objects in it."""

    def __init__(self, round_, entry, chair, member, spare_member, spare_product):
        self.round_id = round_.id
        self.entry_id = entry.id if entry else None
        self.chair, self.member = chair, member
        self.chair_sheet_id = next((s.id for s in entry.sheets if s.member_id == chair.id), None) if entry else None
        self.member_sheet_id = (next((s.id for s in entry.sheets if s.member_id == member.id), None)
                                if entry and member else None)
        self.member_id = next((m.id for m in round_.members if member and m.user_id == member.id), None)
        self.spare_member = spare_member
        self.spare_product_id = spare_product.id if spare_product else None
        self.version = round_.version


def build_round(ctx, inside: bool, *, product=True, member=False, submit=(), disqualify=False, closed=False,
                spare_member=False, spare_product=False) -> Built:
    """A round at the acting user's level, in scope (``inside``) or at the nearest unit out of it.

    ``submit`` names who submits a full sheet (``"chair"``, ``"member"``); ``closed`` closes the
    round as the chair would leave it (for minutes, export, others' sheets).
    """
    level = _level(ctx)
    organiser_role, council_role, in_units, out_units, state = LEVELS[level]
    unit_key, commune_key = in_units if inside else out_units
    db.session.rollback()
    organiser = ctx.make_user(organiser_role, unit_key)
    chair = ctx.user if inside and ctx.role is council_role else ctx.make_user(council_role, unit_key)
    round_ = ops.create_round(actor=organiser, name=f"Đợt đánh giá {unit_key}", starts_on=dt.date(2026, 7, 1),
                              ends_on=dt.date(2026, 7, 31), rule_set_code="qd148-2023")
    ops.add_member(round_, chair, "chair", organiser)
    second = None
    if member:
        second = ctx.make_user(council_role, unit_key)
        ops.add_member(round_, second, "member", organiser)
    entry = None
    if product:
        entry = ops.add_product(round_, ctx.make_product(*state, commune_key=commune_key), organiser)
        criteria = ops.criteria_of(entry.sheet_set)
        for who in submit:
            person = chair if who == "chair" else second
            sheet = next(s for s in entry.sheets if s.member_id == person.id)
            ops.submit_sheet(sheet, person, choose_for_total(criteria, 80), "", criteria)
        if disqualify:
            ops.disqualify(entry, chair, Disqualification.FORGED_DOSSIER, "Giấy tờ giả")
    if closed:
        round_.status, round_.closed_at = RoundStatus.CLOSED.value, utcnow()
    spare = ctx.make_user(council_role, unit_key) if spare_member else None
    extra = ctx.make_product(*state, commune_key=commune_key) if spare_product else None
    db.session.commit()
    db.session.refresh(round_)
    built = Built(round_, entry, chair, second, spare, extra)
    db.session.rollback()
    return built


def _pair(ctx, make_values, data=None, succeeds=True, **options) -> Case:
    """A :class:`Case` from ``make_values(built) -> dict`` for the in-scope and out-of-scope rounds."""
    inside = build_round(ctx, True, **options)
    outside = build_round(ctx, False, **options)
    values, out_values = scoped(ctx, make_values(inside), make_values(outside))
    return Case(values=values, out_values=out_values,
                data=data(inside) if callable(data) else (data or {}), succeeds=succeeds)


@param("round_id")
def _round_id(ctx):
    return scoped(ctx, build_round(ctx, True).round_id, build_round(ctx, False).round_id)


@route("evaluation.round_new")
def _round_new(ctx):
    return Case(data={"name": "Đợt đánh giá năm 2026", "starts_on": "01/07/2026", "ends_on": "31/07/2026",
                      "rule_set_code": "qd148-2023"})


@route("evaluation.member_add")
def _member_add(ctx):
    return _pair(ctx, lambda b: {"round_id": b.round_id},
                 data=lambda b: {"user_id": str(b.spare_member.id), "role": "member"}, spare_member=True)


@route("evaluation.member_remove")
def _member_remove(ctx):
    return _pair(ctx, lambda b: {"round_id": b.round_id, "member_id": b.member_id}, data={"reason": ""},
                 member=True)


@route("evaluation.product_add")
def _product_add(ctx):
    return _pair(ctx, lambda b: {"round_id": b.round_id},
                 data=lambda b: {"product_id": str(b.spare_product_id)}, product=False, spare_product=True)


@route("evaluation.product_remove")
def _product_remove(ctx):
    return _pair(ctx, lambda b: {"round_id": b.round_id, "entry_id": b.entry_id}, data={"reason": ""})


@route("evaluation.round_close")
def _round_close(ctx):
    # every product disqualified: the chair may close without a quorum of sheets
    return _pair(ctx, lambda b: {"round_id": b.round_id}, data=lambda b: {"version": str(b.version)},
                 disqualify=True)


@route("evaluation.product_result")
def _product_result(ctx):
    return _pair(ctx, lambda b: {"round_id": b.round_id, "entry_id": b.entry_id})


@route("evaluation.sheet_mine")
def _sheet_mine(ctx):
    return _pair(ctx, lambda b: {"round_id": b.round_id, "entry_id": b.entry_id}, data={"action": "save"})


@route("evaluation.sheet_view")
def _sheet_view(ctx):
    return _pair(ctx, lambda b: {"round_id": b.round_id, "sheet_id": b.chair_sheet_id}, submit=("chair",),
                 closed=True)


@route("evaluation.sheet_recuse")
def _sheet_recuse(ctx):
    return _pair(ctx, lambda b: {"round_id": b.round_id, "entry_id": b.entry_id},
                 data={"reason": "Người thân của chủ thể"})


@route("evaluation.sheet_reopen")
def _sheet_reopen(ctx):
    return _pair(ctx, lambda b: {"round_id": b.round_id, "sheet_id": b.member_sheet_id},
                 data={"reason": "Chấm nhầm tiêu chí 1"}, member=True, submit=("member",))


@route("evaluation.product_disqualify")
def _product_disqualify(ctx):
    return _pair(ctx, lambda b: {"round_id": b.round_id, "entry_id": b.entry_id},
                 data={"reason": Disqualification.FORGED_DOSSIER.value, "note": "Giấy tờ giả"})


@route("evaluation.minutes")
def _minutes(ctx):
    return _pair(ctx, lambda b: {"round_id": b.round_id}, submit=("chair",), closed=True)


@route("evaluation.export")
def _export(ctx):
    return _pair(ctx, lambda b: {"round_id": b.round_id}, submit=("chair",), closed=True)
