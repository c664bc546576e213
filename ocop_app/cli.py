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


def register_cli(app: Flask) -> None:
    """Attach the commands to ``app``."""
    app.cli.add_command(demo_cli)
    app.cli.add_command(workflow_command)
