"""Command-line tools: ``flask --app ocop_app <command>``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from . import workflow

demo_cli = AppGroup("demo", help="Demo data from real OCOP records.")


@demo_cli.command("load")
def demo_load() -> None:
    """Load demo units, users (password ocop-demo) and real products. Safe to run twice."""
    from .demo import load

    report = load()
    click.echo(f"Demo data: {report}")


sheets_cli = AppGroup("sheets", help="The official score sheets (ocop_app/data/sheets/*.json).")


@sheets_cli.command("load")
def sheets_load() -> None:
    """Load the score sheets into the database; unchanged versions are skipped. Exits 1 if a
    changed file belongs to a version a round has used, or a file's sums are wrong."""
    from .evaluation.sheets import SheetDataInvalid, SheetVersionLocked, load_all
    from .extensions import db

    try:
        outcome = load_all()
    except (SheetVersionLocked, SheetDataInvalid) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    for name, what in outcome.items():
        click.echo(f"{name}: {what}")


@sheets_cli.command("check")
def sheets_check() -> None:
    """Check every loaded sheet: one line per set and version with its part sums and total.
    Exits 1 if any sum is off (or nothing is loaded)."""
    from .evaluation.sheets import check_loaded

    lines = check_loaded()
    for line in lines:
        click.echo(str(line))
    bad = [line for line in lines if line.problems]
    if not lines:
        raise click.ClickException("no score sheets are loaded: run `flask --app ocop_app sheets load`")
    if bad:
        raise click.ClickException(f"{len(bad)} of {len(lines)} sheets do not add up")
    click.echo(f"{len(lines)} sheets checked, all add up.")


@click.command("workflow")
def workflow_command() -> None:
    """Print the workflow's steps as a Markdown table."""
    click.echo(workflow.as_table())


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False))
def backup_command(path: str) -> None:
    """Write a consistent online backup of the database to PATH (SQLite file or pg_dump archive)."""
    from .backup import BackupError, backup

    try:
        done = backup(path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backup written to {done} ({done.stat().st_size:,} bytes).")


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path: str, yes: bool) -> None:
    """Replace the database's contents with the backup at PATH."""
    from .backup import BackupError, restore

    if not yes:
        click.confirm("Replace every table of the current database with this backup?", abort=True)
    try:
        restore(path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored from {path}.")
rules_cli = AppGroup("rules", help="Rule sets (governing decisions) as data.")


@rules_cli.command("list")
def rules_list() -> None:
    """Print the rule sets with their levels, recognition, bands, sheet versions and deadlines."""
    from . import rules

    click.echo(rules.as_text())


reminders_cli = AppGroup("reminders", help="Reminders and deadlines (run daily by cron or a systemd timer).")


@reminders_cli.command("run")
@click.option("--today", help="Run as if today were this date (YYYY-MM-DD); for catching up or testing.")
def reminders_run(today: str | None) -> None:
    """Find what is due, notify the people who must act, send the e-mail outbox. Safe to run twice."""
    import datetime as dt

    from .notifications import reminders

    day = None
    if today:
        try:
            day = dt.date.fromisoformat(today)
        except ValueError as exc:
            raise click.BadParameter("use YYYY-MM-DD", param_hint="--today") from exc
    click.echo(f"Reminders: {reminders.run(day)}")


@reminders_cli.command("outbox")
def reminders_outbox() -> None:
    """List the e-mails not sent yet (most tried first) with their last error; also at /admin/outbox."""
    from .notifications import mailer

    rows = mailer.waiting()
    for m in rows:
        click.echo(f"{m.id}\t{m.to_addr}\t{m.attempts} attempt(s)\t{m.subject}\t{m.last_error or '-'}")
    click.echo(f"{len(rows)} e-mail(s) waiting.")


units_cli = AppGroup("units", help="Administrative units and their changes.")


@units_cli.command("apply-merger")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
def units_apply_merger(path: str | None) -> None:
    """Load a merger file (default: Thạch Thất, NQ 1656/NQ-UBTVQH15, 1/7/2025) and apply it:
    wholly merged communes move; split ones go to the confirmation list. Safe to run twice."""
    from pathlib import Path

    from .extensions import db
    from .units import operations

    try:
        report = operations.load_successions(Path(path) if path else operations.MERGER_2025)
    except operations.MergerFileError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    operations.apply_successions(None, report)
    db.session.commit()
    click.echo(f"Merger: {report}")


users_cli = AppGroup("users", help="Staff accounts (the first administrator of a fresh deployment).")


@users_cli.command("create")
@click.option("--username", required=True, help="Login name: letters without accents, digits, . - _")
@click.option("--full-name", required=True, help="The person's full name.")
@click.option("--role", required=True, type=click.Choice([r.value for r in workflow.Role]), help="The role.")
@click.option("--unit-id", type=int, help="The unit served (its level is the role's); none for admin. "
                                          "See `flask --app ocop_app users units`.")
@click.option("--email", help="Where reminders are e-mailed (optional).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for, hidden and twice (better than on the command line, which shell history keeps).")
def users_create(username: str, full_name: str, role: str, unit_id: int | None, email: str | None,
                 password: str) -> None:
    """Create an account with the rules of /admin/users (unit of the role's level, unique
    username, password policy). Exits 1, saying which option is wrong, otherwise."""
    from .admin import accounts
    from .extensions import db
    from .products.operations import InvalidInput

    try:
        user = accounts.create_account(username=username, full_name=full_name, role=role, unit_id=unit_id,
                                       email=email, password=password, actor=None)
    except InvalidInput as exc:
        db.session.rollback()
        option = {"unit_id": "--unit-id", "full_name": "--full-name"}
        raise click.ClickException("; ".join(f"{option.get(k, '--' + k)}: {v}" for k, v in exc.errors.items())) \
            from exc
    db.session.commit()
    click.echo(f"Created {user.username} ({user.role}{', unit ' + str(user.unit_id) if user.unit_id else ''}).")


@users_cli.command("list")
def users_list() -> None:
    """Print every account: username, role, unit, e-mail, active or not."""
    from .admin import accounts

    for user in accounts.all_accounts():
        unit = f"{user.unit.display_name} (#{user.unit_id})" if user.unit else "-"
        state = "active" if user.active else "deactivated"
        click.echo(f"{user.username}\t{user.full_name}\t{user.role}\t{unit}\t{user.email or '-'}\t{state}")


@users_cli.command("units")
def users_units() -> None:
    """Print the units an account may serve today: id, level, name (for --unit-id)."""
    from .admin import accounts

    for unit in accounts.units_existing_today():
        click.echo(f"{unit.id}\t{unit.level}\t{unit.display_name}")


def register_cli(app: Flask) -> None:
    """Attach the commands to ``app``."""
    from .security import check_deploy_command

    app.cli.add_command(demo_cli)
    app.cli.add_command(sheets_cli)
    app.cli.add_command(workflow_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(check_deploy_command)
    app.cli.add_command(rules_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(units_cli)
    app.cli.add_command(users_cli)
