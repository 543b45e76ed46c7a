"""The audit trail's origin for a command: no address, the command line as the client
(`flask users set-role`), no acting user (an operator at the server's shell). Before any
subcommand runs, the group says what it acts on (`target.py`)."""

from __future__ import annotations

import click
from flask.cli import ScriptInfo

from .. import audit
from .target import announce


class AuditedGroup(click.Group):
    """A command group whose subcommands write audit rows as coming from `flask <group> <cmd>`."""

    def invoke(self, ctx: click.Context):
        if not _asks_for_help(ctx):
            announce(ctx.ensure_object(ScriptInfo).load_app())
        origin = audit.Origin(user_agent=f"flask {ctx.info_name} {ctx.invoked_subcommand or ''}".strip())
        token = audit.set_origin(origin)
        try:
            return super().invoke(ctx)
        finally:
            audit.reset(token)


def _asks_for_help(ctx: click.Context) -> bool:
    """`flask users create --help`: the subcommand's arguments are still in `ctx.args` here."""
    return any(arg in ("--help", "-h") for arg in ctx.args)
