"""Route sweep declarations for certificates: the staff page, revocation, starting an upgrade.

A certificate is reached through its product: in scope, a ranked Thạch Xá product's
certificate; out of scope, the same in the nearest unit the user does not serve
(:func:`routesweep.out_unit`). See ``tests/routesweep.py``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from ocop_app import clock
from ocop_app.extensions import db
from ocop_app.models import Certificate
from ocop_app.workflow import Level, Role, Stage, Status

from routesweep import Case, out_unit, param, route, scoped

_numbers = itertools.count(1)


def certified(ctx, commune_key: str = "thach_xa", stars: int = 3) -> Certificate:
    """A product ranked ``stars``★ in ``commune_key`` with a certificate signed a year ago, valid
    today and recognised by the district (so a district or a city approver may revoke it). Commits."""
    product = ctx.make_product(Stage.RANKED, Status.APPROVED, Level.CITY, commune_key=commune_key, stars=stars,
                               score=Decimal("64"))
    signed = clock.today() - dt.timedelta(days=365)
    n = next(_numbers)
    cert = Certificate(product=product, number=f"{n}/QĐ-UBND-SWEEP", decision_no=f"Quyết định {n}/QĐ-UBND",
                       signed_on=signed, valid_until=signed + dt.timedelta(days=3 * 365), stars=stars,
                       issued_by=Level.DISTRICT.value, rule_set_code=product.rule_set_code)
    db.session.add(cert)
    db.session.commit()
    return cert


@param("certificate_id")
def _certificate_id(ctx):
    return scoped(ctx, certified(ctx).id, certified(ctx, out_unit(ctx)).id)


@route("certificates.revoke")
def _revoke(ctx):
    inside, outside = scoped(ctx, certified(ctx).id, certified(ctx, out_unit(ctx)).id)
    return Case(values={"certificate_id": inside},
                out_values=None if outside is None else {"certificate_id": outside},
                data={"ground": "violations", "decision_no": "45/QĐ-UBND", "note": "Kiểm tra định kỳ"},
                # a district approver may revoke (the district recognised the stars), so may the city's
                succeeds=ctx.role in (Role.DISTRICT_APPROVER, Role.CITY_APPROVER))


@route("certificates.start_upgrade")
def _start_upgrade(ctx):
    """A ★3 product with a valid certificate: the commune officer opens its upgrade passage."""
    inside = certified(ctx).product_id
    outside = certified(ctx, out_unit(ctx)).product_id
    values, out_values = scoped(ctx, {"product_id": inside}, {"product_id": outside})
    return Case(values=values, out_values=out_values)


def in_window(ctx, commune_key: str = "thach_xa", stars: int = 3) -> Certificate:
    """A ranked product's certificate in its re-evaluation window today (expiring in 150 days). Commits."""
    product = ctx.make_product(Stage.RANKED, Status.APPROVED, Level.CITY, commune_key=commune_key, stars=stars,
                               score=Decimal("64"))
    valid_until = clock.today() + dt.timedelta(days=150)
    n = next(_numbers)
    cert = Certificate(product=product, number=f"{n}/GCN-REEVAL-SWEEP", decision_no=f"Quyết định {n}/QĐ-UBND",
                       signed_on=valid_until - dt.timedelta(days=3 * 365), valid_until=valid_until, stars=stars,
                       issued_by=Level.CITY.value, rule_set_code=product.rule_set_code)
    db.session.add(cert)
    db.session.commit()
    return cert


@route("certificates.file_reevaluation")
def _file_reevaluation(ctx):
    """A certificate in its window: the commune or city officer files its re-evaluation."""
    inside, outside = scoped(ctx, in_window(ctx).id, in_window(ctx, out_unit(ctx)).id)
    return Case(values={"certificate_id": inside},
                out_values=None if outside is None else {"certificate_id": outside})


def renewed(ctx, commune_key: str = "thach_xa") -> Certificate:
    """A certificate whose re-evaluation a written round of the product's city renewed at ★3,
    waiting for the city approver's confirmation. Commits."""
    from ocop_app.models import EvaluationRound, Reevaluation, SheetVersion
    from ocop_app.products.operations import utcnow

    cert = in_window(ctx, commune_key)
    product = cert.product
    version = db.session.scalars(db.select(SheetVersion).where(SheetVersion.code == "qd26-2026")).one()
    round_ = EvaluationRound(
        name="Đánh giá lại", level=Level.CITY.value, unit_id=product.city_id, rule_set_code="qd26-2026",
        sheet_version=version, kind="written", starts_on=clock.today(), ends_on=clock.today(), status="closed",
        quorum_numerator=3, quorum_denominator=4, chair_required=True, max_spread=Decimal(10), closed_at=utcnow())
    db.session.add(round_)
    db.session.add(Reevaluation(
        certificate_id=cert.id, product_id=product.id, rule_set_code="qd26-2026", filed_on=clock.today(),
        due_on=clock.today() + dt.timedelta(days=45), status="decided", round=round_, outcome="renewed",
        score=Decimal("64"), result_stars=3, renewed_stars=3, decided_at=utcnow()))
    db.session.commit()
    return cert


@route("certificates.confirm_renewal")
def _confirm_renewal(ctx):
    """The city approver confirms the council's renewal with the decision and a new number."""
    inside, outside = scoped(ctx, renewed(ctx).id, renewed(ctx, out_unit(ctx)).id)
    n = next(_numbers)
    return Case(values={"certificate_id": inside},
                out_values=None if outside is None else {"certificate_id": outside},
                data={"decision_no": f"{n}/QĐ-UBND", "signed_on": clock.today().strftime("%d/%m/%Y"),
                      "certificate_no": f"HN-OCOP-SWEEP-{n}"},
                # the city recognises ★3 under QĐ 26/2026: only its approver confirms
                succeeds=ctx.role is Role.CITY_APPROVER)
