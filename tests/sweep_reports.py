"""Route sweep declarations of the reports area (``ocop_app/reports/views.py``): registration
imports, certificates and decision annexes, the quarterly report.

An import batch is seen only by the user who uploaded it: the nearest batch out of reach is a
colleague's, of the same role and unit. Certificates and annexes follow their products' scope:
out of reach is a certificate of a product in the nearest unit out of scope.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ocop_app.extensions import db
from ocop_app.models import Certificate
from ocop_app.products.operations import local_today
from ocop_app.products.views import communes_in_scope
from ocop_app.reports import importer
from ocop_app.workflow import Level, Role, Stage, Status

from routesweep import Case, WithFiles, out_unit, param, route, scoped

IMPORTERS = (Role.COMMUNE_STAFF, Role.DISTRICT_STAFF)



def registrations_csv(name: str = "Gạo nếp cái hoa vàng") -> bytes:
    """A registration list of one good row (product ``name`` in Thạch Xá), as a commune sends it."""
    return ("Tên sản phẩm;Chủ thể;Loại hình chủ thể;Xã;Bộ sản phẩm;Liên hệ\n"
            f"{name};HTX Nông nghiệp Thạch Xá;HTX;Thạch Xá;Gạo, ngũ cốc, hạt;0912 345 678\n").encode("utf-8-sig")


def _batch(user):
    """A previewed import of one good row, uploaded by ``user`` (the real parser and batch)."""
    # each batch its own product: an earlier batch of the sweep may have created one already
    csv = registrations_csv(f"Gạo nếp cái hoa vàng lô {user.id}")
    rows = importer.parse(csv, "dang-ky.csv", communes_in_scope(user), None)
    batch = importer.new_batch(user, "dang-ky.csv", rows)
    db.session.commit()
    return batch


@param("token")
def _token(ctx):
    role = ctx.role if ctx.role in IMPORTERS else Role.COMMUNE_STAFF
    owner = ctx.user if ctx.role in IMPORTERS else ctx.make_user(role)
    colleague = ctx.make_user(role)  # same role, same unit: still not theirs
    return _batch(owner).token, _batch(colleague).token


@route("reports.import_upload")
def _import_upload(ctx):
    return Case(data=WithFiles(file=("dang-ky.csv", registrations_csv())))


RANKED = (Stage.RANKED, Status.APPROVED, Level.CITY)


def _certificate(product, decision: str) -> Certificate:
    certificate = Certificate(product_id=product.id, number=f"GCN-{product.id}", decision_no=decision,
                              signed_on=dt.date(2026, 3, 15), valid_until=dt.date(2029, 3, 15), stars=product.stars,
                              issued_by="city", rule_set_code=product.rule_set_code)
    db.session.add(certificate)
    db.session.commit()
    return certificate


def _certificates(ctx):
    """(a certificate in scope, one in the nearest unit out of scope), each of its own decision."""
    inside = ctx.make_product(*RANKED, stars=4, score=Decimal("82"))
    outside = ctx.make_product(*RANKED, stars=4, score=Decimal("81"), commune_key=out_unit(ctx))
    return (_certificate(inside, f"Quyết định số {inside.id}/QĐ-UBND"),
            _certificate(outside, f"Quyết định số {outside.id}/QĐ-UBND"))


@param("certificate_id")
def _certificate_id(ctx):
    inside, outside = _certificates(ctx)
    return scoped(ctx, inside.id, outside.id)


def _annex(ctx):
    inside, outside = _certificates(ctx)
    values, out_values = scoped(ctx, {"decision": inside.decision_no}, {"decision": outside.decision_no})
    return Case(values=values, out_values=out_values)


route("reports.annex_pdf")(_annex)
route("reports.annex_xlsx")(_annex)


@route("reports.quarterly_pdf")
def _quarterly(ctx):
    today = local_today()
    return Case(values={"year": today.year, "quarter": (today.month - 1) // 3 + 1})
