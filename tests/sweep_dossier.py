"""Route sweep declarations of the dossier area (``ocop_app/dossier/views.py``): a product's dossier
items and files, its upgrade plan's actions, and file downloads.

Every object hangs off a product, whose scope decides (``get_product_or_404``). For an item or an
action the nearest object out of reach is the one of a product out of scope, named under a product
the user may see (``/products/<mine>/items/<theirs>``), so the route must also check that the
child belongs to the product in its URL. A stored file is out of reach when its product is.
"""

from __future__ import annotations

from ocop_app.dossier import operations as dossier_ops
from ocop_app.dossier import storage
from ocop_app.extensions import db
from ocop_app.workflow import Role

from conftest import TINY_PDF
from routesweep import Case, WithFiles, out_unit, param, route, scoped


def _products(ctx):
    return ctx.make_product(), ctx.make_product(commune_key=out_unit(ctx))


def _dossier_file(product):
    """A PDF in the product's dossier (item "business_registration"), stored like an upload."""
    checked = storage.CheckedFile("giay-dang-ky-kinh-doanh.pdf", "application/pdf", TINY_PDF)
    row = dossier_ops.add_dossier_file(product, None, "business_registration", checked)
    db.session.commit()
    return row


def _action(product):
    action = dossier_ops.save_action(product, None, None, kind="label_design", description="Thiết kế lại nhãn",
                                     status="planned", drop_reason="", cost_vnd=15_000_000, funding="state",
                                     starts_on=None, ends_on=None)
    db.session.commit()
    return action


def _child_case(ctx, name, make_child, data, products=_products) -> Case:
    inside, outside = products(ctx)
    values = {"product_id": inside.id, name: make_child(inside)}
    out_values = {"product_id": inside.id, name: make_child(outside)}
    values, out_values = scoped(ctx, values, out_values)
    return Case(values=values, out_values=out_values, data=data)


@param("file_id")
def _file_id(ctx):
    inside, outside = _products(ctx)
    return scoped(ctx, _dossier_file(inside).id, _dossier_file(outside).id)


@route("dossier.upload")
def _upload(ctx):
    inside, outside = _products(ctx)
    values, out_values = scoped(ctx, {"product_id": inside.id}, {"product_id": outside.id})
    data = WithFiles({"code": "registration_form", "issued_on": "05/03/2026", "note": "Bản có chữ ký"},
                     file=("phieu-dang-ky.pdf", TINY_PDF))
    return Case(values=values, out_values=out_values, data=data)


@route("dossier.item_dates")
def _item_dates(ctx):
    return _child_case(ctx, "item_id", lambda p: _dossier_file(p).dossier_item_id,
                       {"issued_on": "01/02/2026", "expires_on": "01/02/2029"})


_ACTION_FORM = {"kind": "packaging_design", "description": "Hộp giấy kraft", "status": "in_progress",
                "cost": "12.500.000", "funding": "own", "starts_on": "01/03/2026", "ends_on": "30/06/2026"}


def _plan_products(ctx):
    """Products whose upgrade plan the acting role keeps (:func:`ocop_app.workflow.upgrade_plan_roles`):
    the city's officers keep those of the commune → city chain, the district's those of the three levels."""
    rule_set = "qd26-2026" if ctx.role is Role.CITY_STAFF else "qd148-2023"
    return (ctx.make_product(rule_set_code=rule_set),
            ctx.make_product(commune_key=out_unit(ctx), rule_set_code=rule_set))


@route("dossier.plan_add")
def _plan_add(ctx):
    inside, outside = _plan_products(ctx)
    values, out_values = scoped(ctx, {"product_id": inside.id}, {"product_id": outside.id})
    return Case(values=values, out_values=out_values, data=_ACTION_FORM)


@route("dossier.plan_edit")
def _plan_edit(ctx):
    return _child_case(ctx, "action_id", lambda p: _action(p).id, _ACTION_FORM, products=_plan_products)


@route("dossier.delete_file")
def _delete_file(ctx):
    """A file of the product's own dossier; out of scope: another unit's file named under the user's product."""
    return _child_case(ctx, "file_id", lambda p: _dossier_file(p).id, {})


@route("dossier.planned_date")
def _planned_date(ctx):
    inside, outside = _plan_products(ctx)
    values, out_values = scoped(ctx, {"product_id": inside.id}, {"product_id": outside.id})
    return Case(values=values, out_values=out_values, data={"planned_evaluation_on": "15/09/2026"})
