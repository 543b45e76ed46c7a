"""`flask users`: manage accounts from the server's shell.

Users are named by email. Every error is one line in English on stderr and a non-zero exit
status; a command either completes or changes nothing: `commit_change` runs its one change and
commits once, at the end. The group's other commands (`reset-link`, `invite`, `import`, `unlock`'s
wording) live in their own modules and use the helpers here.
"""

from __future__ import annotations

import getpass
import sys
import warnings

import click
from flask.cli import with_appcontext
from marshmallow import ValidationError

from .. import accounts
from ..accounts import admin
from ..exceptions import DomainError
from ..extensions import db
from ..models import User
from ..roles import ROLES
from ..web.auth.schemas import ProfileUpdateSchema, RegisterSchema
from ..web.fields import normalize_email
from .errors import describe
from .errors import fail as _fail
from .origin import AuditedGroup
from .output import echo
from .unlock import unlock_account


def address(email: str) -> str:
    """The email as accounts store it, or stop with one line."""
    try:
        return normalize_email(email)
    except ValueError:
        _fail(f"invalid email: {email}")


def user_named(email: str) -> User:
    """The account with this email, or stop with one line."""
    found = address(email)
    user = accounts.find_by_email(found)
    if user is None:
        _fail(f"no user with email {found}")
    return user


def commit_change(change, *args, **kwargs):
    """Run one change (parsing included) and commit it; a refusal, by a schema or the domain, is
    one line and nothing is changed."""
    try:
        result = change(*args, **kwargs)
        db.session.commit()
    except (ValidationError, DomainError) as error:
        db.session.rollback()
        _fail(describe(error))
    return result


NOT_A_TERMINAL = "standard input is not a terminal: to pass the password through a pipe, use --password-stdin"


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            _fail("no password on standard input")
        return password
    with warnings.catch_warnings():
        # Piped without --password-stdin, getpass warns that it cannot hide the input, and the
        # prompt ends in "Aborted!" at the end of the input: say what to do instead.
        warnings.simplefilter("error", getpass.GetPassWarning)
        try:
            return click.prompt("Password", hide_input=True, confirmation_prompt="Repeat password")
        except (getpass.GetPassWarning, click.Abort):
            _fail(NOT_A_TERMINAL)


def _show(user: User) -> None:
    rows = [
        ("id", user.id),
        ("email", user.email),
        ("name", f"{user.first_name} {user.last_name}"),
        ("role", user.role),
        ("active", "yes" if user.is_active else "no"),
        ("phone", user.phone or "-"),
        ("program", user.program or "-"),
        ("ficha", user.ficha or "-"),
        ("last login", user.last_login.isoformat() if user.last_login else "never"),
        ("created", user.created_at.isoformat()),
        ("updated", user.updated_at.isoformat()),
    ]
    for label, value in rows:
        echo(f"{label:<11} {value}")


@click.group(cls=AuditedGroup)
def users():
    """Manage user accounts."""


@users.command("create")
@click.argument("email")
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@click.option("--role", type=click.Choice(ROLES), default="student", show_default=True)
@click.option("--phone")
@click.option("--program")
@click.option("--ficha")
@click.option("--inactive", is_flag=True, help="Create the account deactivated.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create(email, first_name, last_name, role, phone, program, ficha, inactive, password_stdin):
    """Create an account of any role (the first admin_general, for instance)."""
    password = _read_password(password_stdin)
    given = {"email": email, "password": password, "first_name": first_name, "last_name": last_name,
             "role": role, "phone": phone, "program": program, "ficha": ficha}
    user = commit_change(lambda: admin.create(RegisterSchema().load(given), is_active=not inactive))
    echo(f"created {user.email} ({user.role}) id={user.id}")


@users.command("list")
@click.option("--role", type=click.Choice(ROLES), help="Only users of this role.")
@click.option("--active/--inactive", default=None, help="Only active or only inactive users.")
@click.option("--search", help="Only users whose first name, last name or email contains this (any case).")
@click.option("--limit", type=click.IntRange(1), help="At most this many users (the newest).")
@with_appcontext
def list_users(role, active, search, limit):
    """List accounts, oldest first (with --limit: the newest LIMIT, oldest first)."""
    filters = admin.Filters(role=role, is_active=active, search=search or None)
    found, total = admin.list_users(filters, skip=0, limit=limit or 2**62)
    for user in reversed(found):
        state = "active" if user.is_active else "inactive"
        echo(f"{user.email:<40} {user.role:<14} {state:<9} {user.first_name} {user.last_name}")
    shown = f"{len(found)} of {total}" if len(found) < total else f"{total}"
    echo(f"{shown} user(s)", err=True)


@users.command("show")
@click.argument("email")
@with_appcontext
def show(email):
    """Show one account."""
    _show(user_named(email))


@users.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def set_password(email, password_stdin):
    """Replace a user's password."""
    user = user_named(email)
    password = _read_password(password_stdin)

    def change():
        RegisterSchema(only=("password",)).load({"password": password})
        admin.set_password(user.id, password, field="password")

    commit_change(change)
    echo(f"password of {user.email} changed; every session of the user has ended")


@users.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
def set_role(email, role):
    """Give a user another role."""
    user = user_named(email)
    commit_change(admin.set_role, user.id, role)
    echo(f"{user.email} is now {role}")


@users.command("activate")
@click.argument("email")
@with_appcontext
def activate(email):
    """Let a user log in again."""
    user = user_named(email)
    commit_change(admin.activate, user.id)
    echo(f"{user.email} activated")


@users.command("unlock")
@click.argument("email")
@click.option(
    "--no-account",
    is_flag=True,
    help="Clear the counter of an email that has no account (failed logins on unknown emails "
    "are counted too).",
)
@with_appcontext
def unlock(email, no_account):
    """Forget the failed logins of an account, lifting its lockout wait at once.

    Only the account's counter is cleared; the per-address login limits (LOGIN_RATE_LIMIT) are
    not, and end with their own window.
    """
    named = address(email)
    user = None if no_account else user_named(named)
    for line in unlock_account(named, user):
        echo(line)


@users.command("logout")
@click.argument("email")
@with_appcontext
def logout(email):
    """End every session of a user (a lost or stolen phone)."""
    user = user_named(email)
    ended = commit_change(admin.end_sessions, user.id)
    echo(f"ended {ended} session(s) of {user.email}")


@users.command("deactivate")
@click.argument("email")
@with_appcontext
def deactivate(email):
    """Stop a user from logging in; their tokens stop working at once."""
    user = user_named(email)
    commit_change(admin.deactivate, user.id)
    echo(f"{user.email} deactivated")


@users.command("update")
@click.argument("email")
@click.option("--first-name")
@click.option("--last-name")
@click.option("--phone", help='A phone number; "" clears it.')
@click.option("--program", help='A training program; "" clears it.')
@click.option("--ficha", help='A group (ficha) number; "" clears it.')
@click.option("--avatar-url", help='An image URL; "" clears it.')
@with_appcontext
def update(email, **options):
    """Change profile fields of an account (what PUT /api/users/{id} changes besides the role and
    the state, which set-role, activate and deactivate change)."""
    user = user_named(email)
    given = {name: value for name, value in options.items() if value is not None}
    if not given:
        _fail("nothing to change: give at least one option (see --help)")

    def change():
        changes = ProfileUpdateSchema().load(given)
        admin.update(user.id, changes)
        return changes

    changes = commit_change(change)
    echo(f"{user.email} updated: {', '.join(sorted(changes))}")
