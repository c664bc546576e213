"""Route sweep declarations of the public register (``ocop_app/public/views.py``).

Public pages show only recognised products (``public.register.recognised_clause``): the
nearest thing out of the public's reach is a product scored ★4 by the district council but
not yet recognised by the city.
"""

from __future__ import annotations

from decimal import Decimal

from ocop_app.workflow import Level, Stage, Status

from routesweep import Case, route


@route("public.product_qr")
def _product_qr(ctx):
    ranked = ctx.make_product(Stage.RANKED, Status.APPROVED, Level.CITY, stars=4, score=Decimal("80"))
    pending = ctx.make_product(Stage.EVALUATED, Status.AWAITING, Level.CITY, stars=4, score=Decimal("80"))
    return Case(values={"product_id": ranked.id}, out_values={"product_id": pending.id})
