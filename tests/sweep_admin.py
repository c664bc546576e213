"""Route sweep declarations for the administrator's account pages (``/admin/users/…``).

The pages are the administrator's alone and have no scope (the admin manages every account):
no out-of-scope value. The account edited is a commune officer of Bình Phú; the posts carry
valid data so that the administrator's request succeeds. See ``tests/routesweep.py``.
"""

from __future__ import annotations

import itertools

from ocop_app.workflow import Role

from routesweep import Case, route

_names = itertools.count(1)


@route("admin.user_new")
def _user_new(ctx):
    password = "mat-khau-moi-1"
    return Case(data={"username": f"sweep.moi{next(_names)}", "full_name": "Nguyễn Văn Mới",
                      "role": Role.COMMUNE_STAFF.value, "unit_id": str(ctx.units["thach_xa"].id),
                      "email": "moi@thachxa.gov.vn", "new_password": password, "confirm": password})


@route("admin.user_edit")
def _user_edit(ctx):
    user = ctx.make_user(Role.COMMUNE_STAFF, "binh_phu")
    return Case(values={"user_id": user.id},
                data={"full_name": "Trần Thị Sửa", "role": Role.COMMUNE_APPROVER.value,
                      "unit_id": str(ctx.units["binh_phu"].id), "email": "sua@binhphu.gov.vn",
                      "version": user.version})


@route("admin.user_password")
def _user_password(ctx):
    user = ctx.make_user(Role.COMMUNE_STAFF, "binh_phu")
    return Case(values={"user_id": user.id},
                data={"new_password": "mat-khau-dat-lai-1", "confirm": "mat-khau-dat-lai-1"})
