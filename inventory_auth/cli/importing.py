"""`flask users import FILE`: enrol a ficha from its spreadsheet, as `POST /api/users/import`.

The same reading, rules, limits and audit (`enrolment`), with the command as the audit's client.
A progress bar on stderr when it is a terminal (none when piped or in a log); every row error one
line on stderr (`row 7, correo: ...`); a summary on stdout. Exit status 1 when nothing was
written (a refused file, any bad row); 0 otherwise, a dry run that found nothing wrong included.
Invitations are sent before the command returns: it waits for the outbox, at `MAIL_SEND_RATE`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from .. import enrolment, mail
from ..config import settings
from ..exceptions import DomainError, ImportRowsInvalid
from ..extensions import db
from .errors import describe, describe_row, fail


def _is_terminal() -> bool:
    return sys.stderr.isatty()


class _Bar:
    """A click progress bar on stderr, made once the total is known; nothing off a terminal."""

    def __init__(self, label: str):
        self.label = label
        self.bar = None

    def __call__(self, advance: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.render_progress()
        self.bar.update(advance)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.render_finish()
            self.bar = None


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check everything and write nothing.")
@click.option(
    "--update-existing", is_flag=True,
    help="Update the names, phone, program, ficha and role of accounts that exist (default: leave them).",
)
@click.option("--no-invitations", is_flag=True, help="Create the accounts without mailing invitations.")
@with_appcontext
def import_roster(file: Path, dry_run: bool, update_existing: bool, no_invitations: bool):
    """Create the accounts of a ficha from its spreadsheet (CSV or .xlsx), all or nothing."""
    limit = settings().IMPORT_MAX_BYTES
    if file.stat().st_size > limit:
        fail(f"{file.name} is larger than IMPORT_MAX_BYTES ({limit} bytes)")
    bar = _Bar(f"checking {file.name}") if _is_terminal() else None
    try:
        report = enrolment.import_accounts(
            file.read_bytes(),
            file_name=file.name,
            on_existing=enrolment.UPDATE if update_existing else enrolment.SKIP,
            dry_run=dry_run,
            invite=not no_invitations,
            progress=bar,
        )
        if not dry_run:
            db.session.commit()
    except ImportRowsInvalid as error:
        db.session.rollback()
        _close(bar)
        for row_error in error.errors:
            click.echo(f"row {row_error.row}, {row_error.column}: {describe_row(row_error)}", err=True)
        rows = len({row_error.row for row_error in error.errors})
        fail(f"{rows} row(s) with errors; nothing was imported")
    except DomainError as error:
        db.session.rollback()
        _close(bar)
        fail(describe(error))
    _close(bar)
    click.echo(_summary(file.name, report))
    if report.invitations:
        _send(report)


def _close(bar: _Bar | None) -> None:
    if bar is not None:
        bar.close()


def _summary(name: str, report: enrolment.Report) -> str:
    head = f"dry run of {name}, nothing written" if report.dry_run else f"imported {name}"
    invited = "to invite" if report.dry_run else "invited"
    text = (f"{head}: {report.rows} row(s), {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.invited} {invited}")
    if report.ignored_columns:
        text += f"; ignored columns: {', '.join(report.ignored_columns)}"
    return text


def _send(report: enrolment.Report) -> None:
    """Queue the invitations and wait for the outbox to hand them over (at MAIL_SEND_RATE)."""
    queued = enrolment.send_invitations(report)
    config = settings()
    wait = queued / config.MAIL_SEND_RATE + 4 * config.MAIL_TIMEOUT_SECONDS
    click.echo(f"sending {queued} invitation(s), up to {wait:.0f} s ...", err=True)
    delivered = mail.outbox().flush(wait)
    state = "handled (a failed one is logged with its user_id)" if delivered else "not all sent yet"
    click.echo(f"invitations {state}; `flask users invite EMAIL` sends one again", err=True)
