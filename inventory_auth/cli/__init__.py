"""Command-line tools for administrators: `flask users ...`."""

from .users import users


def register_commands(app):
    app.cli.add_command(users)
