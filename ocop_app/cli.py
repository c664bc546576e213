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


def register_cli(app: Flask) -> None:
    """Attach the commands to ``app``."""
    from .security import check_deploy_command

    app.cli.add_command(demo_cli)
    app.cli.add_command(workflow_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(check_deploy_command)
