"""Scope of what the rules-over-time routes take in their forms (the route sweep covers URL parameters):
a notification named by ``id``, a substitute named in a delegation, the commune a split unit's record goes to."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from ocop_app import clock
from ocop_app.extensions import db
from ocop_app.models import Delegation, Notification, Product
from ocop_app.workflow import Role

from sweep_notifications import notify
from sweep_units import split_relocation
from test_route_sweep import fingerprint


def test_another_users_notification_cannot_be_marked_read(make_user, new_client):
    mine, theirs = make_user(Role.COMMUNE_STAFF), make_user(Role.COMMUNE_STAFF)
    own, other = notify(mine, "Của tôi"), notify(theirs, "Của đồng nghiệp")
    c = new_client()
    c.login(mine)
    for htmx in (False, True):
        before = fingerprint()
        r = c.post("/staff/notifications/read", {"id": str(other.id)}, htmx=htmx)
        assert r.status_code == 404 and "Của đồng nghiệp" not in r.get_data(as_text=True)
        assert fingerprint() == before
    assert c.post("/staff/notifications/read", {"id": str(own.id)}).status_code == 303
    assert c.post("/staff/notifications/read", {"id": str(own.id)}).status_code == 303  # read twice: no error
    db.session.rollback()
    assert db.session.get(Notification, own.id).read_at is not None
    assert db.session.get(Notification, other.id).read_at is None


def test_an_approver_cannot_name_a_substitute_of_another_unit(make_user, new_client):
    approver = make_user(Role.COMMUNE_APPROVER, "thach_xa")
    neighbour = make_user(Role.COMMUNE_STAFF, "binh_phu", username="xa.binhphu.canbo")
    c = new_client()
    c.login(approver)
    today = clock.today()
    before = fingerprint()
    r = c.post("/staff/delegations", {"substitute": str(neighbour.id), "starts_on": today.strftime("%d/%m/%Y"),
                                      "ends_on": (today + dt.timedelta(days=3)).strftime("%d/%m/%Y")})
    assert r.status_code == 422 and "xa.binhphu.canbo" not in r.get_data(as_text=True)
    assert fingerprint() == before
    assert db.session.query(Delegation).count() == 0


def test_a_city_officer_sees_and_moves_only_their_citys_split_records(make_user, new_client, make_product, units):
    ctx = SimpleNamespace(make_product=make_product, units=units)
    hanoi, _ = split_relocation(ctx, "thach_xa")
    lam_dong, lam_dong_new = split_relocation(ctx, "hiep_an")
    hanoi_product = db.session.get(Product, hanoi.subject_id)
    lam_dong_product = db.session.get(Product, lam_dong.subject_id)
    c = new_client()
    c.login(make_user(Role.CITY_STAFF, "hanoi"))
    page = c.get("/staff/units/relocations").get_data(as_text=True)
    assert hanoi_product.name in page and lam_dong_product.name not in page
    before = fingerprint()
    assert c.post(f"/staff/units/relocations/{lam_dong.id}", {"unit": str(lam_dong_new[0].id)}).status_code == 404
    assert fingerprint() == before


def test_marking_an_unknown_or_absurd_notification_id_is_a_clean_4xx(make_user, new_client):
    c = new_client()
    c.login(make_user(Role.COMMUNE_STAFF))
    assert c.post("/staff/notifications/read", {"id": "9" * 40}).status_code == 404
    assert c.post("/staff/notifications/read", {"id": "12a"}).status_code == 400
