"""Route sweep declarations for the relocations confirmation list and the review of accounts of
ended units (administrative change).

A relocation is a record of a split commune waiting for a person to pick its new commune.
In scope: a product of Thạch Xá (Hà Nội) split over two new communes of Hà Nội. Out of
scope for a city officer: the same in Hiệp An (Lâm Đồng), the nearest other city. The
administrator sees every city. An account review is the administrator's alone (no scope): a
district officer of a district ended on 30/6/2025. See ``tests/routesweep.py``.
"""

from __future__ import annotations

import datetime as dt
import itertools

from ocop_app.extensions import db
from ocop_app.models import AccountReview, Commune, District, Relocation, UnitSuccession
from ocop_app.units import accounts
from ocop_app.workflow import Role

from routesweep import Case, route, scoped

_names = itertools.count(1)


def split_relocation(ctx, commune_key: str) -> tuple[Relocation, list[Commune]]:
    """A product of ``commune_key`` whose commune was split (in part) into two new communes of its
    city: the pending :class:`Relocation` and the two successors. Commits."""
    product = ctx.make_product(commune_key=commune_key)
    old = ctx.units[commune_key]
    city = old.parent.parent
    effective = dt.date(2025, 7, 1)
    new = []
    for _ in range(2):
        n = next(_names)
        commune = Commune(name=f"Xã mới {n}", unit_type="Xã", slug=f"xamoi{n}", parent=city, valid_from=effective)
        db.session.add(commune)
        db.session.add(UnitSuccession(old_unit=old, new_unit=commune, whole=False, effective_on=effective,
                                      source="NQ 1656/NQ-UBTVQH15", note=""))
        new.append(commune)
    relocation = Relocation(subject_type="product", subject_id=product.id, old_unit=old, proposed_unit=new[0])
    db.session.add(relocation)
    db.session.commit()
    return relocation, new


@route("units.confirm")
def _confirm(ctx):
    inside, new = split_relocation(ctx, "thach_xa")
    outside, _ = split_relocation(ctx, "hiep_an")
    values, out_values = scoped(ctx, {"relocation_id": inside.id}, {"relocation_id": outside.id})
    return Case(values=values, out_values=out_values, data={"unit": new[1].id})


def ended_district_review(ctx) -> AccountReview:
    """A district of Hà Nội ended on 30/6/2025 with one officer on the account review. Commits."""
    n = next(_names)
    district = District(name=f"Huyện cũ {n}", unit_type="Huyện", slug=f"huyencu{n}", parent=ctx.units["hanoi"],
                        valid_to=dt.date(2025, 6, 30))
    db.session.add(district)
    db.session.flush()
    officer = ctx.make_user(Role.DISTRICT_STAFF, "thach_that", username=f"huyen.cu.{n}")
    officer.unit = district
    accounts.open_reviews()
    db.session.commit()
    return db.session.query(AccountReview).filter_by(user_id=officer.id).one()


@route("units.account_decide")
def _account_decide(ctx):
    review = ended_district_review(ctx)
    return Case(values={"review_id": review.id},
                data={"action": "move", "unit": ctx.units["hanoi"].id, "role": Role.CITY_STAFF.value})
