"""Command-line tools for administrators: `flask users ...`, `flask sessions ...`, `flask audit ...`,
`flask keys ...`, `flask services ...`."""

from . import failures
from .audit import audit_group
from .importing import import_roster
from .invite import invite
from .keys import keys_group
from .reset import reset_link
from .services import services_group
from .sessions import sessions_group
from .users import users

users.add_command(reset_link)
users.add_command(invite)
users.add_command(import_roster)


def register_commands(app):
    app.cli.add_command(users)
    app.cli.add_command(sessions_group)
    app.cli.add_command(audit_group)
    app.cli.add_command(keys_group)
    app.cli.add_command(services_group)
    failures.install(app)
