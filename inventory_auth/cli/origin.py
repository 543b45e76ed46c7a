"""The audit trail's origin for a command: no address, the command line as the client
(`flask users set-role`), no acting user (an operator at the server's shell)."""

from __future__ import annotations

import click

from .. import audit

_TOKEN = "inventory_auth.audit_origin_token"


class AuditedGroup(click.Group):
    """A command group whose subcommands write audit rows as coming from `flask <group> <cmd>`.

    The subcommand's name is known once click has resolved it (`resolve_command`, called from
    within `invoke`): the origin is set there and reset when the group's invocation ends.
    """

    def resolve_command(self, ctx: click.Context, args):
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None and _TOKEN not in ctx.meta:
            origin = audit.Origin(user_agent=f"flask {ctx.info_name} {command.name}")
            ctx.meta[_TOKEN] = audit.set_origin(origin)
        return name, command, rest

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        finally:
            token = ctx.meta.pop(_TOKEN, None)
            if token is not None:
                audit.reset(token)
