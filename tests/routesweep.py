"""The route sweep's registry: how to build URL parameters and form data for every route.

``tests/test_route_sweep.py`` walks ``app.url_map`` and tries every route ×
method × role (and anonymous) with an object in the user's scope and one out
of it. To build a URL it needs a value for each URL parameter, so **every URL
parameter name must be declared** here or in a ``tests/sweep_<area>.py`` module
(found automatically): a route with an undeclared parameter fails the sweep,
saying what to declare.

Declare a parameter once for every route that uses it::

    from routesweep import param

    @param("round_id")
    def _round(ctx):
        # (in the acting user's scope, out of it); out = None if nothing is out of scope
        return make_round(ctx, "thach_that").id, make_round(ctx, "hiep_an").id

or a whole route when its parameters depend on each other or it needs form
data to succeed::

    from routesweep import Case, route

    @route("evaluation.submit_sheet")
    def _submit(ctx):
        sheet = ...
        return Case(values={"sheet_id": sheet.id}, out_values={"sheet_id": other.id},
                    data={"version": sheet.version, ...}, succeeds=ctx.role is Role.DISTRICT_COUNCIL)

A route that takes an upload gets ``data=WithFiles({"code": "x"}, file=("name.pdf", content))``
(:class:`WithFiles`: a fresh file stream for each request of the sweep).

``ctx`` (:class:`Ctx`) gives the acting role and user and the ``make_user``,
``make_product`` and ``units`` fixtures. Out of scope should be the *nearest*
object the user must not reach: for a commune user another commune of the same
district, for a district user another district, for a city user another city
(:func:`out_unit`).
"""

from __future__ import annotations

import importlib
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from conftest import PASSWORD, closed_round_with, satisfy_guards
from ocop_app.workflow import Level, Role, Stage, Status


@dataclass
class Ctx:
    """What a factory may use: the acting ``role``/``user`` (None when anonymous) and the fixtures."""

    role: Role | None
    user: Any
    endpoint: str
    method: str
    make_user: Callable
    make_product: Callable
    units: dict


@dataclass
class Case:
    """One route's request: URL values in scope, out of scope (None: nothing is out of
    scope, e.g. for the admin), form data, and whether an allowed role is expected to
    succeed (False: the route itself refuses this role with 403, e.g. no workflow step)."""

    values: dict = field(default_factory=dict)
    out_values: dict | None = None
    data: dict = field(default_factory=dict)
    succeeds: bool = True


class WithFiles(Mapping):
    """Form data with uploaded files, for :attr:`Case.data`: ``WithFiles({"code": "x"}, file=("a.pdf", b"%PDF…"))``.

    The sweep posts one case many times (each role, scope, plain and htmx) and the test client
    closes a file once it is sent, so each read of a file field gives a fresh stream:
    ``dict(data)`` is a new multipart form every time.
    """

    def __init__(self, fields: dict | None = None, **files: tuple[str, bytes]):
        self.fields, self.files = dict(fields or {}), files

    def __getitem__(self, key):
        if key in self.files:
            name, content = self.files[key]
            return io.BytesIO(content), name
        return self.fields[key]

    def __iter__(self):
        return iter([*self.fields, *self.files])

    def __len__(self):
        return len(self.fields) + len(self.files)


PARAMS: dict[str, Callable[[Ctx], tuple[Any, Any]]] = {}
ROUTES: dict[str, Callable[[Ctx], Case]] = {}


def param(name: str):
    """Declare how to make URL parameter ``name``: ``factory(ctx) -> (in_scope, out_of_scope | None)``."""

    def register(factory):
        PARAMS[name] = factory
        return factory

    return register


def route(endpoint: str):
    """Declare a whole route's :class:`Case`: ``factory(ctx) -> Case``."""

    def register(factory):
        ROUTES[endpoint] = factory
        return factory

    return register


def load_area_declarations() -> None:
    """Import every ``tests/sweep_<area>.py`` so their declarations register."""
    for path in sorted(Path(__file__).parent.glob("sweep_*.py")):
        importlib.import_module(path.stem)


class UndeclaredParameter(LookupError):
    """A route uses a URL parameter nobody declared how to make."""


def case_for(ctx: Ctx, rule) -> Case:
    """The :class:`Case` for ``rule``: the route's own declaration, or one built from the parameters.

    :raises UndeclaredParameter: naming the parameter and where to declare it.
    """
    if rule.endpoint in ROUTES:
        return ROUTES[rule.endpoint](ctx)
    missing = sorted(a for a in rule.arguments if a not in PARAMS)
    if missing:
        area = rule.endpoint.split(".")[0]
        raise UndeclaredParameter(
            f"Route {rule.rule} ({rule.endpoint}) has URL parameter(s) {', '.join(missing)} that the route sweep "
            f"cannot build. Declare each in tests/sweep_{area}.py with @routesweep.param({missing[0]!r}) "
            f"returning (in-scope value, out-of-scope value or None), or the whole route with "
            f"@routesweep.route({rule.endpoint!r}). See tests/routesweep.py."
        )
    values, out_values, has_out = {}, {}, False
    for name in sorted(rule.arguments):
        inside, outside = PARAMS[name](ctx)
        values[name] = inside
        out_values[name] = inside if outside is None else outside
        has_out = has_out or outside is not None
    return Case(values=values, out_values=out_values if has_out else None)


#: For each level, the unit a user serves, and the nearest unit out of that user's scope.
OUT_UNIT = {Level.COMMUNE: "binh_phu", Level.DISTRICT: "sai_son", Level.CITY: "hiep_an"}


def out_unit(ctx: Ctx) -> str:
    """The commune (key of ``units``) nearest to the user's scope but outside it."""
    level = ctx.role.level if ctx.role else None
    return OUT_UNIT.get(level, "hiep_an")


def scoped(ctx: Ctx, inside, outside):
    """``(inside, outside)``, with no out-of-scope object for the admin (who sees everything)."""
    return inside, (None if ctx.role is Role.ADMIN else outside)


# --------------------------------------------------------------------------
# Core declarations (products, auth, admin, public)
# --------------------------------------------------------------------------


@param("product_id")
def _product_id(ctx):
    inside = ctx.make_product()
    outside = ctx.make_product(commune_key=out_unit(ctx))
    return scoped(ctx, inside.id, outside.id)


@param("user_id")
def _user_id(ctx):
    return ctx.make_user(Role.COMMUNE_STAFF, "binh_phu").id, None


@param("code")
def _language_code(ctx):
    return "en", None


#: For each workflow role: one step it can take, from which state, with which data.
ROLE_STEP = {
    Role.COMMUNE_STAFF: ("submit", (Stage.REGISTERED, Status.DRAFT, Level.COMMUNE), {}, {}),
    Role.COMMUNE_APPROVER: ("commune_sign_off", (Stage.REGISTERED, Status.AWAITING, Level.COMMUNE), {}, {}),
    Role.DISTRICT_STAFF: ("record_training", (Stage.REGISTERED, Status.APPROVED, Level.DISTRICT), {}, {}),
    Role.DISTRICT_APPROVER: ("district_accept", (Stage.REGISTERED, Status.AWAITING, Level.DISTRICT), {}, {}),
    Role.DISTRICT_COUNCIL: ("finalise_evaluation", (Stage.UPGRADED, Status.APPROVED, Level.DISTRICT), {}, {}),
    Role.CITY_APPROVER: ("confirm_ranking", (Stage.EVALUATED, Status.AWAITING, Level.CITY),
                         {"score": 80, "stars": 4},
                         {"decision_no": "12/QĐ-UBND", "signed_on": "15/07/2026", "certificate_no": "HN-OCOP-1"}),
}


@route("products.product_action")
def _product_action(ctx):
    step = ROLE_STEP.get(ctx.role)
    if step is None:  # a role with no step of its own (or anonymous): try the city's last step
        step, succeeds = ROLE_STEP[Role.CITY_APPROVER], False
    else:
        succeeds = True
    name, state, extra, data = step
    inside = ctx.make_product(*state, **extra)
    outside = ctx.make_product(*state, commune_key=out_unit(ctx), **extra)
    for product in (inside, outside):  # the step's data guards (training, plan, dossier) hold
        satisfy_guards(product, name)
    if name == "finalise_evaluation":  # the council's result comes from a closed round the user chairs
        closed_round_with(inside, ctx.user, "scored", Level.DISTRICT)
        closed_round_with(outside, ctx.make_user(Role.DISTRICT_COUNCIL, "quoc_oai"), "scored", Level.DISTRICT)
    values, out_values = scoped(ctx, {"product_id": inside.id, "name": name},
                                {"product_id": outside.id, "name": name})
    return Case(values=values, out_values=out_values, data={"version": inside.version, **data}, succeeds=succeeds)


def _product_form_data(version=None):
    data = {"name": "Mật ong rừng", "product_set_no": "7", "producer_name": "HTX Ong Thạch Xá",
            "producer_type": "cooperative", "registration_no": "", "description": "Mật ong nguyên chất"}
    if version is not None:
        data["version"] = version
    return data


@route("products.product_edit")
def _product_edit(ctx):
    inside = ctx.make_product()
    outside = ctx.make_product(commune_key=out_unit(ctx))
    values, out_values = scoped(ctx, {"product_id": inside.id}, {"product_id": outside.id})
    return Case(values=values, out_values=out_values, data=_product_form_data(inside.version))


@route("products.product_new")
def _product_new(ctx):
    return Case(data=_product_form_data())


@route("auth.change_password")
def _change_password(ctx):
    return Case(data={"current_password": PASSWORD, "new_password": "a-new-long-pass", "confirm": "a-new-long-pass"})


@route("auth.login")
def _login(ctx):
    username = ctx.user.username if ctx.user else "nobody"
    return Case(data={"username": username, "password": PASSWORD}, succeeds=ctx.user is not None or ctx.method == "GET")


@route("public.product")
def _public_product(ctx):
    ranked = ctx.make_product(Stage.RANKED, Status.APPROVED, Level.CITY, stars=4, score=Decimal("80"))
    draft = ctx.make_product()
    return Case(values={"product_id": ranked.id}, out_values={"product_id": draft.id})
