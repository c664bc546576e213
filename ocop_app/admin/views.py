"""Administration: the list of users; creating and editing accounts, resetting a password,
deactivating and re-activating accounts. The rules live in :mod:`ocop_app.admin.accounts`
(shared with ``flask --app ocop_app users``)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..forms import ActionForm
from ..models import User
from ..permissions import access, roles
from ..products.operations import Conflict, InvalidInput
from ..rendering import is_htmx, redirect_to, render
from ..workflow import Role
from . import accounts
from .forms import AccountCreateForm, AccountForm, PasswordResetForm

bp = Blueprint("admin", __name__)


@bp.get("/users")
@access(roles(Role.ADMIN))
def users():
    return render("admin/users.html", users=accounts.all_accounts())


@bp.get("/outbox")
@access(roles(Role.ADMIN))
def outbox():
    """E-mails the daily job has not managed to send (each stays until sent), with the last error."""
    from ..notifications import mailer

    return render("admin/outbox.html", rows=mailer.waiting(),
                  mail_server=current_app.config.get("MAIL_SERVER"))


def _set_active(user_id: int, active: bool):
    form = ActionForm()
    if not form.validate():
        abort(400)
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if user.id == current_user.id and not active:
        abort(403, description=_("You cannot deactivate your own account."))
    if bool(user.active) != active:
        user.active = active
        user.session_epoch += 1  # ends the user's open sessions at their next request
        db.session.commit()
        current_app.logger.info("user %s %s by %s addr=%s", user.username,
                                "activated" if active else "deactivated", current_user.username, request.remote_addr)
    message = _("%(name)s can log in again.", name=user.username) if active else \
        _("%(name)s is deactivated; their sessions have ended.", name=user.username)
    if is_htmx():
        return render("admin/_user_row.html", "admin/_user_row.html", user=user)
    return redirect_to(url_for("admin.users"), message)


@bp.post("/users/<int:user_id>/deactivate")
@access(roles(Role.ADMIN))
def deactivate_user(user_id: int):
    return _set_active(user_id, False)


@bp.post("/users/<int:user_id>/activate")
@access(roles(Role.ADMIN))
def activate_user(user_id: int):
    return _set_active(user_id, True)


#: Form field of each :class:`~ocop_app.products.operations.InvalidInput` key, where they differ.
_FIELD = {"password": "new_password"}


def _show_errors(form, exc: InvalidInput) -> None:
    for name, message in exc.errors.items():
        field = getattr(form, _FIELD.get(name, name), None)
        if field is not None:
            field.errors = [str(message)]


def _get_user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users/new", methods=["GET", "POST"])
@access(roles(Role.ADMIN))
def user_new():
    """Create an account (:func:`accounts.create_account`): 422 with the form and every typed value
    but the passwords on bad input; 303 (htmx: ``HX-Redirect``) to the list when created."""
    form = AccountCreateForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_account(
                username=form.username.data, full_name=form.full_name.data, role=form.role.data,
                unit_id=form.unit_id.data, email=form.email.data, password=form.new_password.data,
                actor=current_user)
        except InvalidInput as exc:
            db.session.rollback()
            _show_errors(form, exc)
            return render("admin/user_form.html", "admin/_user_form.html", status=422, form=form, user=None)
        db.session.commit()
        current_app.logger.info("user %s created (%s) by %s addr=%s", user.username, user.role,
                                current_user.username, request.remote_addr)
        return redirect_to(url_for("admin.users"), _("Account %(name)s created; it can log in now.",
                                                     name=user.username))
    status = 422 if form.is_submitted() else 200
    return render("admin/user_form.html", "admin/_user_form.html", status=status, form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@access(roles(Role.ADMIN))
def user_edit(user_id: int):
    """Edit an account's full name, e-mail, role and unit (:func:`accounts.edit_account`): 422 on
    bad input, 409 when someone else saved first (what was typed is kept), 303 when saved."""
    user = _get_user_or_404(user_id)
    form = AccountForm(obj=None if request.method == "POST" else user, keep_unit=user.unit)
    if request.method == "GET":
        form.unit_id.data = str(user.unit_id or "")
    if form.validate_on_submit():
        try:
            change = accounts.edit_account(
                user, full_name=form.full_name.data, email=form.email.data, role=form.role.data,
                unit_id=form.unit_id.data, expected_version=form.version.data, actor=current_user)
        except InvalidInput as exc:
            db.session.rollback()
            _show_errors(form, exc)
            return _edit_page(form, user, 422)
        except Conflict as exc:
            db.session.rollback()
            current = db.session.get(User, user_id).version  # saving again overwrites, knowingly
            form.version.data, form.version.raw_data = current, [str(current)]
            flash(str(exc.message), "error")
            return _edit_page(form, user, 409)
        db.session.commit()
        if not change.fields:
            return redirect_to(url_for("admin.users"), _("Nothing was changed."))
        current_app.logger.info("user %s edited (%s) by %s addr=%s", user.username, ",".join(change.fields),
                                current_user.username, request.remote_addr)
        message = _("%(name)s: changes saved; their sessions have ended.", name=user.username) \
            if change.sessions_ended else _("%(name)s: changes saved.", name=user.username)
        return redirect_to(url_for("admin.users"), message)
    return _edit_page(form, user, 422 if form.is_submitted() else 200)


def _edit_page(form, user: User, status: int):
    return render("admin/user_form.html", "admin/_user_form.html", status=status, form=form, user=user,
                  events=accounts.history(user))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@access(roles(Role.ADMIN))
def user_password(user_id: int):
    """Set a new password typed by the administrator (:func:`accounts.reset_password`); the
    account's sessions end. One's own password is changed at ``/auth/password``."""
    user = _get_user_or_404(user_id)
    if user.id == current_user.id:
        return redirect_to(url_for("auth.change_password"))
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(user, form.new_password.data, current_user)
        except InvalidInput as exc:
            db.session.rollback()
            _show_errors(form, exc)
            return render("admin/user_password.html", "admin/_password_form.html", status=422, form=form, user=user)
        db.session.commit()
        current_app.logger.info("user %s password reset by %s addr=%s", user.username, current_user.username,
                                request.remote_addr)
        return redirect_to(url_for("admin.users"),
                           _("%(name)s has a new password; their sessions have ended. Tell them the password "
                             "in person and ask them to change it.", name=user.username))
    status = 422 if form.is_submitted() else 200
    return render("admin/user_password.html", "admin/_password_form.html", status=status, form=form, user=user)
