"""Command-line tools for administrators: `flask users ...`, `flask sessions ...`."""

from . import failures
from .sessions import sessions_group
from .users import users


def register_commands(app):
    app.cli.add_command(users)
    app.cli.add_command(sessions_group)
    failures.install(app)
