"""The audit trail's origin for a command: no address, the command line as the client
(`flask users set-role`), no acting user (an operator at the server's shell). Before any
subcommand runs, the group says what it acts on (`target.py`); a database or Redis it cannot use
is one line (`failures.py`)."""

from __future__ import annotations

import click
from flask.cli import ScriptInfo

from .. import audit
from .failures import one_line_errors
from .target import announce


class AuditedGroup(click.Group):
    """A command group whose subcommands write audit rows as coming from `flask <group> <cmd>`.

    The subcommand is known only once click has resolved it (`ctx.invoked_subcommand` is still
    unset when `invoke` starts), so the origin is narrowed to it in `resolve_command`; `invoke`
    restores the previous origin afterwards, whatever was set in between.
    """

    def invoke(self, ctx: click.Context):
        token = audit.set_origin(audit.Origin(user_agent=f"flask {ctx.info_name}"))
        try:
            with one_line_errors():
                if not _asks_for_help(ctx):
                    announce(ctx.ensure_object(ScriptInfo).load_app())
                return super().invoke(ctx)
        finally:
            audit.reset(token)

    def resolve_command(self, ctx: click.Context, args):
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            audit.set_origin(audit.Origin(user_agent=f"flask {ctx.info_name} {command.name}"))
        return name, command, rest


def _asks_for_help(ctx: click.Context) -> bool:
    """`flask users create --help`: the subcommand's arguments are still in `ctx.args` here."""
    return any(arg in ("--help", "-h") for arg in ctx.args)
