"""Enrolling a ficha at once: a roster file in, accounts created (or updated), all or nothing.

`import_accounts` reads the file (reading.py), finds its columns (columns.py), checks every row
with the rules of every account (rows.py) and then plans: a row whose email has no account
creates one; one whose email has an account leaves it alone (`skip`) or updates its names,
phone, program, ficha and role through `accounts.admin.update` (`update`: the rules and audit
of PUT /api/users, the last-admin guard included; a role change ends that user's sessions). An
empty optional cell leaves an existing account's value as it is. Any bad row and nothing is
written (`ImportRowsInvalid`, every row's errors at once). A dry run stops after the plan and
reports the same counts.

Writing is bulk: created accounts (no password: nothing is hashed, `passwords.unusable_hash`)
go in multi-row INSERTs, inside the caller's transaction, with one `user_create` audit record
each, their invitation tokens too (`accounts.invitations.invite_new`, a `user_invite` record
each), and one `user_import` record for the whole file (who, file name, counts; never a cell of
it). An existing account is never invited (it may have a password, adopted from the previous
backend or set by its owner; `POST /api/users/{id}/invite` is for one that has none). Every
record of the import carries `new_values.import_id`, the `entity_id` of that `user_import`
record. Inserting takes no lock another login waits for: new rows lock only themselves (and the
unique index entries of their emails); an update locks the row it changes.

Two imports of overlapping files at the same moment: the second one's INSERT meets the first's
email in the unique index (`uq_users_email_lower`), waits for it to commit and skips that row
(`ON CONFLICT DO NOTHING`); the import then deletes the accounts it inserted in this round, before
writing anything else, and plans again, so those rows are now existing accounts. After ATTEMPTS
such rounds it gives up with `ImportRaced` (a 409), never a duplicate or a 500. The caller's
transaction is never rolled back here.

Nothing here commits: the view or the command does, then sends the invitations it is handed
(`Report.invitations`, through `send_invitations`), after the commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from .. import audit, mail
from ..accounts import admin, invitations
from ..audit import actions
from ..config import settings
from ..exceptions import ImportRaced, ImportRowsInvalid
from ..extensions import db
from ..models import User
from ..models.types import utcnow
from ..roles import ADMIN_GENERAL
from ..security.passwords import unusable_hash
from . import reading, rows
from .columns import columns as find_columns

SKIP, UPDATE = "skip", "update"
ON_EXISTING = (SKIP, UPDATE)
# What `update` may change in an existing account (the email is what names it).
UPDATED_FIELDS = ("first_name", "last_name", "phone", "program", "ficha", "role")
ATTEMPTS = 3
CHUNK = 500  # rows per INSERT and per IN (...) lookup
FILE_NAME_MAX = 255

# progress(advance, total): `advance` more steps of `total` (two per data row) are done.
Progress = Callable[[int, int], None]


@dataclass
class Report:
    """What an import did (or, for a dry run, would do): the contract's answer."""

    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    invited: int
    ignored_columns: list[str]
    # The invitations to send once the transaction is committed (not part of the answer).
    invitations: list[invitations.PendingInvitation] = field(default_factory=list, repr=False)
    import_id: uuid.UUID | None = None


@dataclass
class _Plan:
    create: list[rows.Row]
    update: list[tuple[User, rows.Row, dict]]
    unchanged: int


def import_accounts(
    data: bytes,
    *,
    file_name: str | None,
    on_existing: str = SKIP,
    dry_run: bool = False,
    invite: bool = True,
    progress: Progress | None = None,
) -> Report:
    """Import the roster in `data` (the bytes of a CSV or .xlsx file). `progress` is told of
    each step, two per data row (its check, then its write or its skip)."""
    if on_existing not in ON_EXISTING:
        raise ValueError(f"on_existing must be one of {ON_EXISTING}")
    if invite:
        # No address to build links from (production without PUBLIC_URL): refuse before anything.
        mail.link_template(mail.INVITATION_LINK)
    config = settings()
    sheet = reading.read(
        data,
        max_rows=config.IMPORT_MAX_ROWS,
        max_unzipped_bytes=config.IMPORT_MAX_UNZIPPED_BYTES,
    )
    columns = find_columns(sheet.rows[0][1] if sheet.rows else [])
    total = 2 * (len(sheet.rows) - 1)
    step = (lambda advance: progress(advance, total)) if progress else None
    valid, errors = rows.check(sheet, columns, step)
    if errors:
        raise ImportRowsInvalid(errors)
    fields = [name for name in UPDATED_FIELDS if name in columns.index]
    for _attempt in range(ATTEMPTS):
        plan = _plan(valid, on_existing, fields, columns)
        report = Report(
            dry_run=dry_run,
            rows=len(valid),
            created=len(plan.create),
            updated=len(plan.update),
            unchanged=plan.unchanged,
            invited=len(plan.create) if invite else 0,
            ignored_columns=columns.ignored,
        )
        if dry_run:
            if step:
                step(len(valid))
            return report
        if _write(plan, report, file_name, on_existing, invite, step):
            return report
    raise ImportRaced()


def _existing(emails: list[str]) -> dict[str, User]:
    """The accounts of these (normalized, lower-case) emails, by email."""
    found = {}
    for start in range(0, len(emails), CHUNK):
        chunk = emails[start:start + CHUNK]
        for user in db.session.scalars(select(User).where(func.lower(User.email).in_(chunk))):
            found[user.email.lower()] = user
    return found


def _plan(valid: list[rows.Row], on_existing: str, fields: list[str], columns) -> _Plan:
    existing = _existing([row.data["email"] for row in valid])
    plan = _Plan(create=[], update=[], unchanged=0)
    for row in valid:
        user = existing.get(row.data["email"])
        if user is None:
            plan.create.append(row)
            continue
        changes = {}
        if on_existing == UPDATE:
            changes = {
                name: row.data[name] for name in fields
                if name not in row.blank and getattr(user, name) != row.data[name]
            }
        if changes:
            plan.update.append((user, row, changes))
        else:
            plan.unchanged += 1
    _guard_last_admin(plan, columns)
    return plan


def _guard_last_admin(plan: _Plan, columns) -> None:
    """The plan may not take the role away from every active admin_general: each row that
    would is an error (accounts.admin checks it again under a lock when writing)."""
    demoted = [
        row for user, row, changes in plan.update
        if user.role == ADMIN_GENERAL and user.is_active
        and changes.get("role", ADMIN_GENERAL) != ADMIN_GENERAL
    ]
    if not demoted:
        return
    remaining = db.session.scalar(
        select(func.count()).select_from(User).where(User.role == ADMIN_GENERAL, User.is_active.is_(True))
    )
    if remaining - len(demoted) < 1:
        raise ImportRowsInvalid([
            rows.RowError(row.number, columns.names["role"], code=rows.LAST_ADMIN_GENERAL) for row in demoted
        ])


def _insert_accounts(accounts: list[dict]) -> list[uuid.UUID]:
    """INSERT the accounts, skipping any whose email an account has (a concurrent import's, once
    it commits); the ids inserted."""
    table = User.__table__
    names = set().union(*accounts)  # one statement for every row: a cell absent is NULL
    accounts = [{name: account.get(name) for name in names} for account in accounts]
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).on_conflict_do_nothing().returning(table.c.id)
    return list(db.session.execute(statement, accounts).scalars())


def _delete_accounts(ids: list[uuid.UUID]) -> None:
    for start in range(0, len(ids), CHUNK):
        db.session.execute(delete(User.__table__).where(User.__table__.c.id.in_(ids[start:start + CHUNK])))


def _write(plan: _Plan, report: Report, file_name: str | None, on_existing: str, invite: bool,
           progress) -> bool:
    """Write the plan; False, having written nothing, when a concurrent writer took one of its
    emails (plan again)."""
    import_id = uuid.uuid4()
    report.import_id = import_id
    now = utcnow()
    # Inserted in email order: two imports that share emails then wait for each other's index
    # entries in the same order, and never deadlock. Every account first, so that a race is
    # found before anything else is written.
    creating = sorted(plan.create, key=lambda row: row.data["email"])
    chunks, inserted = [], []
    for start in range(0, len(creating), CHUNK):
        chunk = creating[start:start + CHUNK]
        accounts = [
            {**row.data, "id": uuid.uuid4(), "password_hash": unusable_hash(), "is_active": True,
             "created_at": now, "updated_at": now}
            for row in chunk
        ]
        inserted += _insert_accounts(accounts)
        if len(inserted) < start + len(chunk):
            _delete_accounts(inserted)
            return False
        chunks.append((chunk, accounts))
    with audit.tagged(import_id=str(import_id)):
        for chunk, accounts in chunks:
            audit.record_many(
                actions.USER_CREATE,
                [(account["id"], row.data) for account, row in zip(accounts, chunk, strict=True)],
            )
            if invite:
                report.invitations.extend(invitations.invite_new(accounts))
            if progress:
                progress(len(chunk))
        for user, _row, changes in plan.update:
            admin.update(user.id, changes)
            if progress:
                progress(1)
        audit.record(
            actions.USER_IMPORT,
            entity_type="import",
            entity_id=import_id,
            new={
                "file_name": (file_name or "")[:FILE_NAME_MAX] or None,
                "on_existing": on_existing,
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "invited": report.invited,
            },
        )
        db.session.flush()
    if progress and plan.unchanged:
        progress(plan.unchanged)
    return True


def send_invitations(report: Report) -> int:
    """Queue the invitations of a committed import on the outbox; how many were queued (a
    dropped one is logged with its account, and can be sent again)."""
    return sum(1 for pending in report.invitations if invitations.send(pending))
