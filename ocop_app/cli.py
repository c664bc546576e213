"""Command-line tools: ``flask --app ocop_app <command>``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

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


units_cli = AppGroup("units", help="Administrative units and their changes.")


@units_cli.command("apply-merger")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
def units_apply_merger(path: str | None) -> None:
    """Load a merger file (default: Thạch Thất, NQ 1656/NQ-UBTVQH15, 1/7/2025) and apply it:
    wholly merged communes move; split ones go to the confirmation list. Safe to run twice."""
    from pathlib import Path

    from .extensions import db
    from .units import operations

    report = operations.load_successions(Path(path) if path else operations.MERGER_2025)
    operations.apply_successions(None, report)
    db.session.commit()
    click.echo(f"Merger: {report}")


def register_cli(app: Flask) -> None:
    """Attach the commands to ``app``."""
    app.cli.add_command(demo_cli)
    app.cli.add_command(workflow_command)
    app.cli.add_command(rules_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(units_cli)
