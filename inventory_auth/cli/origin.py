"""The audit trail's origin for a command: no address, the command line as the client
(`flask users set-role`), no acting user (an operator at the server's shell)."""

from __future__ import annotations

import click

from .. import audit
from .failures import one_line_errors


class AuditedGroup(click.Group):
    """A command group whose subcommands write audit rows as coming from `flask <group> <cmd>`."""

    def invoke(self, ctx: click.Context):
        origin = audit.Origin(user_agent=f"flask {ctx.info_name} {ctx.invoked_subcommand or ''}".strip())
        token = audit.set_origin(origin)
        try:
            with one_line_errors():
                return super().invoke(ctx)
        finally:
            audit.reset(token)
