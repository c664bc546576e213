"""Every form, filled with random and hostile values (Hypothesis): never a 500, nothing stored runs.

The forms are found the way a browser finds them — by reading the pages each role sees — so a new
page's forms are fuzzed without listing them here (add its URL to ``PAGES`` if no page links to it).
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocop_app.models import Product
from ocop_app.extensions import db
from ocop_app.workflow import Level, Role, Stage, Status

#: Markers a hostile value carries; seeing one unescaped in any response means it would run.
PROBE_TAG = "<xss-probe"
PROBE_TEMPLATE = "{{7*7}}probe"

HOSTILE = [
    "", " ", "0", "-1", "-999999999999999999999", "1e308", "NaN", "inf", "9" * 400, "72,5", "1.5e3", "0x1F",
    "<script>alert(1)</script><xss-probe>", '"><xss-probe onerror=alert(1)>', "'><xss-probe>", PROBE_TEMPLATE,
    "{% raw %}", "${7*7}", "\x00\x01\x02\x1b[31m", "\u202e\u200b\ufeff", "a" * 100_000, "Ω≈ç√∫" * 50,
    "' OR 1=1 --", "../../etc/passwd", "javascript:alert(1)", "%00", "\r\n\r\nSet-Cookie: x=1", "😀" * 300,
]
values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=300),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.lists(st.sampled_from(HOSTILE), min_size=2, max_size=4).map("".join),
)

#: Never fuzzed: forms that only end the session or switch the language.
SKIPPED_ACTIONS = ("/auth/logout", "/lang/")


class FormParser(HTMLParser):
    """Collects ``(method, action, [field names], {hidden name: value})`` of every form."""

    def __init__(self):
        super().__init__()
        self.forms, self._form = [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = [(a.get("method") or "get").upper(), a.get("action") or "", [], {}]
        elif self._form is not None and tag in ("input", "textarea", "select") and a.get("name"):
            if a.get("type") == "hidden":
                self._form[3][a["name"]] = a.get("value", "")
            if a.get("type") not in ("submit", "button"):
                self._form[2].append(a["name"])

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(tuple(self._form))
            self._form = None


def forms_on(body: str, page_url: str):
    parser = FormParser()
    parser.feed(body)
    found = []
    for method, action, names, hidden in parser.forms:
        action = action or page_url.split("?")[0]
        if any(s in action for s in SKIPPED_ACTIONS):
            continue
        fields = sorted(set(names) - {"csrf_token"})
        if fields:
            found.append((method, action, fields, hidden))
    return found


@pytest.fixture
def world(make_user, make_product, new_client):
    """Clients of several roles and, for each, the forms on the pages they see."""
    draft = make_product(name="Trà xanh")
    awaiting = make_product(Stage.REGISTERED, Status.AWAITING, Level.COMMUNE)
    upgraded = make_product(Stage.UPGRADED, Status.APPROVED, Level.DISTRICT)
    make_product(Stage.RANKED, Status.APPROVED, Level.CITY, stars=4, score=80)
    trained = make_product(Stage.TRAINED, Status.APPROVED, Level.DISTRICT)
    pages = {
        None: ["/auth/login", "/"],
        Role.COMMUNE_STAFF: ["/staff/products/new", f"/staff/products/{draft.id}/edit", f"/staff/products/{draft.id}",
                             "/staff/products", "/auth/password"],
        Role.COMMUNE_APPROVER: [f"/staff/products/{awaiting.id}"],
        Role.ADMIN: ["/admin/users", "/staff/products"],
        # the upgrade plan (money, dates), the dossier, the district's plans (years, targets)
        Role.DISTRICT_STAFF: [f"/staff/dossier/products/{trained.id}/plan", f"/staff/dossier/products/{trained.id}",
                              "/staff/plans/new"],
    }
    forms = []
    # The district council records its evaluation on a score sheet of a round (the chair's own sheet).
    from evaluation_support import setup_round, sheet_url

    round_id, (entry_id,), _org, people = setup_round(make_user, new_client, [upgraded], n_members=0)
    chair = people[0][1]
    for url in (f"/staff/products/{upgraded.id}", sheet_url(round_id, entry_id)):
        forms += [(chair, *f) for f in forms_on(chair.get(url).get_data(as_text=True), url)]
    for role, urls in pages.items():
        client = new_client()
        if role is not None:
            client.login(make_user(role))
        for url in urls:
            body = client.get(url).get_data(as_text=True)
            forms += [(client, *f) for f in forms_on(body, url)]
    return forms


def _check_escaped(response, where):
    assert response.status_code < 500, (where, response.status_code)
    body = response.get_data(as_text=True)
    assert PROBE_TAG not in body, where
    assert "49probe" not in body, where


def test_the_forms_are_found(world):
    actions = {(m, a.split("/")[-1] if a[-1:].isdigit() else a) for _, m, a, _f, _h in world}
    assert len(world) >= 7
    assert ("POST", "/auth/login") in actions and ("POST", "/staff/products/new") in actions
    assert any("/actions/" in a and "reason" in fields for _, _m, a, fields, _h in world)
    assert any(a.endswith("/sheet") and len(f) > 10 for _, _m, a, f, _h in world)  # the council's score sheet
    assert any(a.endswith("/plan") and "cost" in f for _, _m, a, f, _h in world)  # money in đồng
    assert any(a.endswith("/plans/new") and "year_from" in f for _, _m, a, f, _h in world)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(data=st.data())
def test_every_form_survives_hostile_input(app, world, data):
    client, method, action, fields, hidden = data.draw(st.sampled_from(world), label="form")
    form = {name: data.draw(values, label=name) for name in fields}
    for name, value in hidden.items():  # keep the real hidden values (version, next) half of the time
        if data.draw(st.booleans(), label=f"keep {name}"):
            form[name] = value
    htmx = data.draw(st.booleans(), label="htmx")
    if method == "GET":
        response = client.get(action, query_string=form, htmx=htmx)
    else:
        response = client.post(action, form, htmx=htmx)
    assert response.status_code < 500 and response.status_code >= 200
    _check_escaped(response, (method, action))


def test_stored_hostile_values_are_escaped_on_every_page_and_fragment(app, make_user, make_product, new_client):
    """Hostile names stored through the real form come back escaped everywhere they are shown."""
    staff = new_client()
    staff.login(make_user(Role.COMMUNE_STAFF))
    payloads = [h for h in HOSTILE if "probe" in h]
    ids = []
    for payload in payloads:
        r = staff.post("/staff/products/new", {"name": payload, "product_set_no": "7", "producer_name": payload,
                                               "producer_type": "cooperative", "description": payload})
        assert r.status_code == 303, r.status_code
        ids.append(int(r.headers["Location"].rsplit("/", 1)[1]))
    # show them in every place: ranked (public), in queues, in lists
    db.session.rollback()
    for i, pid in enumerate(ids):
        p = db.session.get(Product, pid)
        if i % 2:
            p.stage, p.status, p.level, p.stars = "ranked", "approved", "city", 4
        else:
            p.status = "awaiting"
    db.session.commit()
    approver, admin, public = new_client(), new_client(), new_client()
    approver.login(make_user(Role.COMMUNE_APPROVER))
    admin.login(make_user(Role.ADMIN))
    urls = ["/staff/products", "/staff/products?q=probe", "/staff/queue", "/"] + \
           [f"/staff/products/{pid}" for pid in ids] + [f"/staff/products/{pid}/edit" for pid in ids]
    for client in (staff, approver, admin):
        for url in urls:
            for htmx in (False, True):
                _check_escaped(client.get(url, htmx=htmx), (url, htmx))
    for url in ["/"] + [f"/p/{pid}" for pid in ids]:
        _check_escaped(public.get(url), url)
    # the JSON API gives the data as typed (JSON, never HTML; nosniff keeps browsers from guessing)
    api = public.get("/api/v1/products")
    assert api.mimetype == "application/json" and api.headers["X-Content-Type-Options"] == "nosniff"
    assert {item["name"] for item in api.get_json()["items"]} == set(payloads[1::2])
    assert "&lt;xss-probe" in staff.get(f"/staff/products/{ids[0]}").get_data(as_text=True)


def test_a_search_longer_than_any_name_is_answered_not_a_500(client, make_user, make_product):
    make_product(name="Trà xanh Thạch Xá")
    client.login(make_user(Role.COMMUNE_STAFF))
    r = client.get("/staff/products?q=" + "a" * 100_000)
    assert r.status_code == 200 and "Trà xanh Thạch Xá" not in r.get_data(as_text=True)
    assert "Trà xanh Thạch Xá" in client.get("/staff/products?q=tra+xanh").get_data(as_text=True)


def test_a_nul_byte_in_a_form_is_refused_not_a_500(client, make_user):
    user = make_user(Role.COMMUNE_STAFF)
    r = client.post("/auth/login", {"username": "\x00\x01\x02\x1b[31m", "password": "x"})
    assert r.status_code == 400
    assert client.get("/?q=tra\x00xanh").status_code == 400
    assert client.login(user).status_code in (302, 303)  # ordinary input is untouched
