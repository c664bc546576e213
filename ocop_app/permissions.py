"""Who may use which route, and which products a user can see.

Every view declares its policy with :func:`access`; a request to a view
without one is refused (deny by default) — ``tests/test_routes.py`` also
fails for any such route. Scope: a user sees only products placed in the
unit they serve (out of scope → 404); what they may *do* to a product is
the workflow's business (:mod:`ocop_app.workflow`, wrong role/state → 403).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import abort
from sqlalchemy import false, true

from .extensions import db
from .workflow import Level, Role


@dataclass(frozen=True)
class Policy:
    """Who may call a view: ``public`` (anyone), or logged-in users whose role
    is in ``roles`` (``None`` means any staff role)."""

    public: bool = False
    roles: frozenset[Role] | None = None

    def allows(self, user) -> bool:
        if self.public:
            return True
        if user is None or not user.is_authenticated:
            return False
        return self.roles is None or Role(user.role) in self.roles


PUBLIC = Policy(public=True)
STAFF = Policy()
WORKFLOW_ROLES = frozenset(r for r in Role if r is not Role.ADMIN)


def roles(*allowed: Role) -> Policy:
    """Policy for views only the given roles may use."""
    return Policy(roles=frozenset(allowed))


def access(policy: Policy) -> Callable:
    """Decorator declaring a view's :class:`Policy` (checked in a ``before_request`` hook)."""

    def decorate(view):
        view.access_policy = policy
        return view

    return decorate


def policy_of(view) -> Policy | None:
    """The declared policy of a view function, or ``None`` if it declares none."""
    return getattr(view, "access_policy", None)


def product_scope(user):
    """SQL condition selecting the products within ``user``'s unit.

    Commune users see their commune's products, district users their
    district's, city users their city's; the admin sees all.
    """
    from .models import Product

    if user is None or not user.is_authenticated:
        return false()
    role = Role(user.role)
    if role is Role.ADMIN:
        return true()
    column = {
        Level.COMMUNE: Product.commune_id,
        Level.DISTRICT: Product.district_id,
        Level.CITY: Product.city_id,
    }[role.level]
    return column == user.unit_id


def get_product_or_404(product_id: int, user, *, for_update: bool = False):
    """Load a product the user may see, or abort with 404.

    A product outside the user's unit is reported as not found, never as
    forbidden, so its existence is not revealed.
    """
    from .models import Product

    stmt = db.select(Product).where(Product.id == product_id, product_scope(user))
    if for_update:
        stmt = stmt.with_for_update()
    product = db.session.scalars(stmt).first()
    if product is None:
        abort(404)
    return product


#: What an account whose unit has ended may still post: its own session and password, and
#: marking its notifications read. Every other change is refused until the administrator
#: decides on the account (:mod:`ocop_app.units.accounts`).
ENDED_UNIT_MAY_POST = frozenset({"auth.logout", "auth.change_password", "notifications.mark_read"})


def refuse_if_unit_ended(user, endpoint: str | None, method: str) -> None:
    """Abort with 403 when ``user``'s unit has ended (e.g. the district, from 1/7/2025 under
    QĐ 1489/QĐ-TTg) and the request would change something other than :data:`ENDED_UNIT_MAY_POST`.
    Reading (GET/HEAD) stays open, so history can be read."""
    from flask_babel import gettext as _

    from .units.accounts import user_unit_ended

    if method in ("GET", "HEAD", "OPTIONS") or endpoint in ENDED_UNIT_MAY_POST:
        return
    if user_unit_ended(user):
        abort(403, description=_("Your unit has ended; you can sign in but take no step until "
                                 "the administrator moves your account."))
