"""A certificate's life after ranking: validity, re-evaluation window, upgrade, revocation.

- Valid for the rule set's ``certificate_months`` (36, QĐ 26/2026 Điều 4.3) from signing.
- Re-evaluation is filed 180 to 120 days before expiry (QĐ 26/2026 Điều 4);
  :meth:`Certificate.in_reevaluation_window` tells when. (The written-opinion
  re-evaluation round itself belongs to evaluation rounds, issue 3.)
- Upgrading to a higher star follows the full route (QĐ 26/2026 Điều 4):
  :func:`start_upgrade` opens a new passage of the same product under the rule
  set for new dossiers; the current certificate stays valid meanwhile.
- Revocation (Điều 8) with one of the legal grounds and the decision ends the
  certificate at once: :func:`revoke`.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from .. import clock, rules, workflow
from ..extensions import db
from ..models import Certificate, CertificateStatus, Product, StageEvent, User
from ..products import operations as product_ops
from ..workflow import Level, Role, Stage, Status


def find_by_number(number: str) -> Certificate | None:
    """The certificate with this number (exact, surrounding spaces ignored), or ``None``."""
    number = (number or "").strip()
    if not number:
        return None
    return db.session.scalars(select(Certificate).where(Certificate.number == number)).first()


def may_revoke(certificate: Certificate, user: User) -> bool:
    """Whether ``user`` may revoke: an approver of the level that recognised the stars, or of the
    city/province (which took over the districts' duties when the district level ended)
    (QĐ 26/2026 Điều 8: the body that recognised the stars revokes them)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    role = Role(user.role)
    allowed = {Role.CITY_APPROVER}
    if certificate.issued_by == Level.DISTRICT.value:
        allowed.add(Role.DISTRICT_APPROVER)
    return role in allowed


def revoke(certificate: Certificate, actor: User, *, ground: str, decision_no: str, note: str = "") -> StageEvent:
    """Revoke ``certificate`` from today on, for ``ground`` (a code of
    :func:`ocop_app.rules.revocation_grounds`, QĐ 26/2026 Điều 8) by decision ``decision_no``.
    The public register stops showing the star at once; the product's timeline says so.

    :raises InvalidInput: unknown ground, missing decision number, or the certificate is not valid
        today (already revoked, replaced by its renewal, or expired): only a valid certificate
        vouches for stars that can be taken away (QĐ 26/2026 Điều 8).
    :raises Conflict: the certificate was revoked or replaced by its renewal meanwhile.
    :raises workflow.TransitionDenied: ``actor`` may not revoke it.
    """
    if not may_revoke(certificate, actor):
        raise workflow.TransitionDenied(_l("Only the body that recognised the stars may revoke them."))
    today = clock.today()
    grounds = {g["code"]: g["label"] for g in rules.revocation_grounds(today)}
    errors = {}
    status = certificate.status_on(today)
    if status is CertificateStatus.REVOKED:
        errors["ground"] = _l("This certificate is already revoked.")
    elif status is CertificateStatus.REPLACED:
        errors["ground"] = _l("This certificate has been replaced by %(number)s after re-evaluation; "
                              "only the certificate valid today can be revoked.", number=certificate.replaced_by.number)
    elif status is not CertificateStatus.VALID:
        errors["ground"] = _l("This certificate has expired; only a certificate valid today can be revoked.")
    elif ground not in grounds:
        errors["ground"] = _l("Choose one of the legal grounds.")
    if not (decision_no or "").strip():
        errors["decision_no"] = _l("Enter the number of the revocation decision.")
    if errors:
        raise product_ops.InvalidInput(errors)
    taken = db.session.execute(  # compare-and-set: a renewal confirmed meanwhile wins
        update(Certificate).where(Certificate.id == certificate.id, Certificate.revoked_on.is_(None),
                                  Certificate.replaced_by_id.is_(None))
        .values(revoked_on=today, revocation_ground=ground, revocation_decision=decision_no.strip()[:120],
                revocation_reason=(note or "").strip(), revoked_by_id=actor.id)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(certificate)
    if taken != 1:
        raise product_ops.Conflict(_l("This certificate changed meanwhile (revoked, or replaced by its renewal); "
                                      "nothing was done. Reload the page."))
    product = certificate.product
    state = workflow.state_of(product)
    event = StageEvent(product=product, actor=actor, action="revoke_certificate", from_stage=state[0],
                       from_status=state[1], from_level=state[2], to_stage=product.stage, to_status=product.status,
                       to_level=product.level, reason=grounds[ground],
                       detail=f"{certificate.number}; {certificate.revocation_decision}", at=clock.now())
    db.session.add(event)
    db.session.flush()
    return event


def open_upgrade(product: Product) -> Product | None:
    """The upgrade passage of ``product`` still under way, if any."""
    return db.session.scalars(select(Product).where(
        Product.upgrade_of_id == product.id, Product.stage != Stage.RANKED.value,
        Product.status.notin_([s.value for s in Status if s.terminal]))).first()


def can_start_upgrade(product: Product, user: User) -> bool:
    """A commune officer may open an upgrade of a product ranked below ★5 whose
    certificate is valid today, unless one is already under way."""
    cert = product.certificate
    return (
        user is not None and getattr(user, "is_authenticated", False)
        and Role(user.role) is Role.COMMUNE_STAFF
        and product.stage == Stage.RANKED.value and (product.stars or 0) < 5
        and cert is not None and cert.status_on(clock.today()) is CertificateStatus.VALID
        and open_upgrade(product) is None
    )


def start_upgrade(product: Product, actor: User) -> Product:
    """Open a new passage (nâng hạng) for ``product``: a draft registration at the commune
    under the rule set for new dossiers (:func:`ocop_app.products.operations.rule_sets_for_new`), linked by ``upgrade_of``.
    The current certificate stays valid until a higher star replaces it.

    :raises workflow.TransitionDenied: see :func:`can_start_upgrade`.
    """
    if not can_start_upgrade(product, actor):
        raise workflow.TransitionDenied(_l("An upgrade cannot be started for this product now."))
    passage = product_ops.register(
        name=product.name, producer=product.producer, commune=product.commune or product.place,
        product_set_no=product.product_set_no, branch=product.branch, actor=actor,
        description=product.description, rule_set_code=None,
    )
    passage.upgrade_of_id = product.id
    state = workflow.state_of(product)
    db.session.add(StageEvent(product=product, actor=actor, action="upgrade_started", from_stage=state[0],
                              from_status=state[1], from_level=state[2], to_stage=product.stage,
                              to_status=product.status, to_level=product.level, reason="",
                              detail=f"#{passage.id} ({passage.rule_set.decision})", at=clock.now()))
    db.session.flush()
    return passage
