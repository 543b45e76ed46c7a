"""The audit trail's origin for a command: no address, the command line as the client
(`flask users set-role`), no acting user (an operator at the server's shell)."""

from __future__ import annotations

import click

from .. import audit
from .failures import one_line_errors


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
                return super().invoke(ctx)
        finally:
            audit.reset(token)

    def resolve_command(self, ctx: click.Context, args):
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            audit.set_origin(audit.Origin(user_agent=f"flask {ctx.info_name} {command.name}"))
        return name, command, rest
