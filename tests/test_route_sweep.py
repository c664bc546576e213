"""Deny by default, swept: every route × method × role (and anonymous) × in/out of scope.

Expected, for every route found in ``app.url_map``:

- anonymous on a non-public route → the login page (htmx: 401 + ``HX-Redirect``);
- a role the route's policy does not allow → 403;
- an allowed role, an object out of the user's scope → 404 (its existence is not revealed);
- an allowed role, in scope → success (200, 204, 301, 302, 303), or 403 where the route declares
  that this role has nothing to do there (``Case.succeeds=False``);
- and on every refusal, every table of the database is unchanged.

How URL parameters are made is declared in ``tests/routesweep.py`` (and
``tests/sweep_<area>.py``); an undeclared parameter fails here, saying what to declare.
"""

from __future__ import annotations

import pytest
from conftest import _config
from ocop_app import create_app
from ocop_app.extensions import db
from ocop_app.permissions import PUBLIC, access, policy_of
from ocop_app.workflow import Role

import routesweep
from routesweep import Ctx, UndeclaredParameter, case_for

routesweep.load_area_declarations()

SKIPPED_METHODS = {"HEAD", "OPTIONS"}
SUCCESS = {200, 204, 301, 302, 303}  # 301: a permanent redirect (e.g. /login → /auth/login)


def _all_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


_collect_app = create_app(_config("sqlite://"))
ENDPOINTS = sorted({r.endpoint for r in _all_rules(_collect_app)})
del _collect_app


def fingerprint() -> dict:
    """Every row of every table (read fresh), to prove a refusal changed nothing."""
    db.session.rollback()
    with db.engine.connect() as conn:
        result = {}
        for table in db.metadata.sorted_tables:
            rows = conn.execute(table.select()).all()
            result[table.name] = sorted(repr(tuple(row)) for row in rows)
        return result


def _request(client, method, url, data, htmx=False):
    """The response, closed once its body is read (a download keeps its file open until then)."""
    response = client.get(url, htmx=htmx) if method == "GET" else client.post(url, data, htmx=htmx)
    response.get_data()
    response.close()
    return response


def sweep_route(app, rule, make_user, make_product, units, new_client) -> list[str]:
    """Run every role × method × scope case of ``rule``; return the failures found (empty if none).

    :raises UndeclaredParameter: if a URL parameter of ``rule`` has no declared factory.
    """
    failures = []
    policy = policy_of(app.view_functions[rule.endpoint])
    if policy is None:
        return [f"{rule.endpoint}: no @access(...) policy declared"]
    adapter = app.url_map.bind("localhost")
    for method in sorted(rule.methods - SKIPPED_METHODS):
        for role in [None, *Role]:
            user = make_user(role) if role else None
            ctx = Ctx(role, user, rule.endpoint, method, make_user, make_product, units)
            case = case_for(ctx, rule)
            who = role.value if role else "anonymous"

            def attempt(values, htmx=False):
                client = new_client()
                if user is not None:
                    client.login(user)
                client.token()
                url = adapter.build(rule.endpoint, values, method=method)
                before = fingerprint()
                response = _request(client, method, url, case.data, htmx=htmx)
                return url, response, before

            def refused(values, expected, htmx=False):
                url, response, before = attempt(values, htmx)
                label = f"{method} {url} as {who}{' (htmx)' if htmx else ''}"
                if callable(expected):
                    ok = expected(response)
                else:
                    ok = response.status_code == expected
                if not ok:
                    failures.append(f"{label}: got {response.status_code}, expected {getattr(expected, '__name__', expected)}")
                if fingerprint() != before:
                    failures.append(f"{label}: refused, but the database changed")

            if policy.public:
                url, response, _ = attempt(case.values)
                good = response.status_code in SUCCESS if case.succeeds else 400 <= response.status_code < 500
                if not good:
                    failures.append(f"{method} {url} as {who}: got {response.status_code} on a public route")
                if case.out_values is not None:
                    refused(case.out_values, 404)
            elif role is None:
                def to_login(r):
                    return r.status_code == 302 and "/auth/login" in r.headers.get("Location", "")

                def hx_to_login(r):
                    return r.status_code == 401 and "/auth/login" in r.headers.get("HX-Redirect", "")

                refused(case.values, to_login)
                refused(case.values, hx_to_login, htmx=True)
            elif not policy.allows(user):
                refused(case.values, 403)
                refused(case.values, 403, htmx=True)
            else:
                if case.out_values is not None:
                    refused(case.out_values, 404)
                    refused(case.out_values, 404, htmx=True)
                if case.succeeds:
                    url, response, _ = attempt(case.values)
                    if response.status_code not in SUCCESS:
                        failures.append(f"{method} {url} as {who}: got {response.status_code}, expected success")
                else:
                    refused(case.values, 403)
    return failures


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_route_sweep(app, endpoint, make_user, make_product, units, new_client):
    rules = [r for r in _all_rules(app) if r.endpoint == endpoint]
    failures = []
    for rule in rules:
        try:
            failures += sweep_route(app, rule, make_user, make_product, units, new_client)
        except UndeclaredParameter as exc:
            pytest.fail(str(exc))
    assert failures == []


def test_every_route_is_swept(app):
    """The list swept is the app's own: a new blueprint's routes join the sweep by themselves."""
    assert {r.endpoint for r in _all_rules(app)} == set(ENDPOINTS)


def test_a_new_route_without_a_policy_fails_the_sweep(app, make_user, make_product, units, new_client):
    app.add_url_rule("/staff/secret-report", "secret_report", lambda: "secret")
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "secret_report")
    assert sweep_route(app, rule, make_user, make_product, units, new_client) == [
        "secret_report: no @access(...) policy declared"
    ]


def test_a_new_route_with_an_undeclared_parameter_says_what_to_declare(app, make_user, make_product, units,
                                                                       new_client):
    # (round_id is declared in tests/sweep_evaluation.py; a new parameter of that area is not)
    app.add_url_rule("/rounds/<int:letter_id>/letter", "evaluation.invitation_letter",
                     access(PUBLIC)(lambda letter_id: "x"))
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "evaluation.invitation_letter")
    with pytest.raises(UndeclaredParameter) as info:
        sweep_route(app, rule, make_user, make_product, units, new_client)
    message = str(info.value)
    assert "letter_id" in message and "tests/sweep_evaluation.py" in message
    assert "@routesweep.param('letter_id')" in message


def test_the_sweep_catches_a_leaky_route(app, make_user, make_product, units, new_client):
    """A route that forgets the scope check (loads any product) is reported, so the sweep can fail."""
    from ocop_app.models import Product

    def leaky(product_id):
        return db.session.get(Product, product_id).name

    app.add_url_rule("/staff/leaky/<int:product_id>", "products.leaky", access(routesweep_staff())(leaky))
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "products.leaky")
    failures = sweep_route(app, rule, make_user, make_product, units, new_client)
    assert any("as commune_staff: got 200, expected 404" in f for f in failures), failures


def routesweep_staff():
    from ocop_app.permissions import STAFF

    return STAFF


def test_binhphu_cannot_reach_a_thachxa_product_by_any_route(app, make_user, make_product, units, new_client):
    """xa.binhphu (either commune role) gets 404 for a Thạch Xá product on every route that names a
    product and is open to the role — page, edit form, every workflow step, plain or htmx — (403 where
    the route is closed to the role) and nothing changes."""
    from ocop_app.models import Product
    from ocop_app.workflow import TRANSITIONS

    # one product in the source state of every workflow step, named with that step
    pairs = [(make_product(t.source_stage, sorted(t.source_statuses)[0], t.level, stars=4, score=80), t.name)
             for t in TRANSITIONS]
    tried = 0
    for role in (Role.COMMUNE_STAFF, Role.COMMUNE_APPROVER):
        client = new_client()
        user = make_user(role, "binh_phu", username=f"xa.binhphu.{role.value}")
        client.login(user)
        for rule in _all_rules(app):
            policy = policy_of(app.view_functions[rule.endpoint])
            if "product_id" not in rule.arguments or policy.public:
                continue
            # a route closed to the role refuses before looking at the product (403, same for any id)
            expected = 404 if policy.allows(user) else 403
            if set(rule.arguments) - {"product_id", "name"}:
                # a route naming an object of the product too (a dossier item, a plan action): a Thạch Xá
                # product with its own object, as the sweep declares it for a Thạch Xá user of the role
                insider = make_user(role, "thach_xa")
                case = case_for(Ctx(role, insider, rule.endpoint, "GET", make_user, make_product, units), rule)
                targets = [(case.values, db.session.get(Product, case.values["product_id"]))]
            else:
                chosen = pairs if "name" in rule.arguments else pairs[:3]
                targets = [({"product_id": p.id} | ({"name": n} if "name" in rule.arguments else {}), p)
                           for p, n in chosen]
            for values, product in targets:
                assert product.commune_id == units["thach_xa"].id
                url = app.url_map.bind("localhost").build(rule.endpoint, values)
                for method in sorted(rule.methods - SKIPPED_METHODS):
                    for htmx in (False, True):
                        before = fingerprint()
                        data = {"version": product.version, "reason": "x", "score": "90", "name": "Hack"}
                        r = client.get(url, htmx=htmx) if method == "GET" else client.post(url, data, htmx=htmx)
                        assert r.status_code == expected, (method, url, htmx, r.status_code)
                        assert "Sản phẩm thử" not in r.get_data(as_text=True)
                        assert fingerprint() == before
                        tried += 1
    assert tried > 100
