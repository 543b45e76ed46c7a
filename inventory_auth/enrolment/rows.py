"""Checking each row of a roster with the rules every account follows (`auth.schemas.
AccountSchema`, the schema of /register and /api/users without the password and the avatar),
and the rules of a file: the same email twice is an error on each of its rows.

Every bad row is reported at once, as `RowError`s: the row number as the spreadsheet shows it,
the column as the file names it, and either the schema's message (already in the catalog's
Spanish) or a `code` that web/messages.py and cli/errors.py put in words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from marshmallow import ValidationError

from ..roles import ROLES
from ..web.auth.schemas import AccountSchema
from .columns import Columns
from .reading import Sheet

DUPLICATE_IN_FILE = "duplicate_in_file"
LAST_ADMIN_GENERAL = "last_admin_general"
DEFAULT_ROLE = ROLES[0]  # student, as the app self-registers


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str | None = None  # the schema's own text
    code: str | None = None  # or one of ours, with its `params`
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    number: int
    data: dict  # as AccountSchema loads it: email normalized, texts stripped, blanks None
    blank: frozenset  # the fields whose cell was empty (an update leaves them as they are)


_schema = AccountSchema(exclude=("avatar_url",))


def check(sheet: Sheet, columns: Columns, progress: Callable[[int], None] | None = None):
    """The valid rows and the errors of the others, both in the file's order."""
    valid, errors = [], []
    for number, cells in sheet.rows[1:]:
        values = {
            name: cells[position] if position < len(cells) else None
            for name, position in columns.index.items()
        }
        blank = frozenset(name for name, value in values.items() if value is None)
        if not values.get("role"):
            values["role"] = DEFAULT_ROLE
        try:
            # An empty cell is a missing value: "obligatorio" for a required field.
            present = {name: value for name, value in values.items() if value is not None}
            valid.append(Row(number, _schema.load(present), blank))
        except ValidationError as error:
            for name, texts in sorted(error.normalized_messages().items(), key=_column_order(columns)):
                for text in texts if isinstance(texts, list) else [texts]:
                    errors.append(RowError(number, columns.names.get(name, name), message=text))
        if progress:
            progress(1)
    errors.extend(_duplicates(valid, columns))
    errors.sort(key=lambda error: error.row)
    return valid, errors


def _column_order(columns: Columns):
    return lambda item: columns.index.get(item[0], len(columns.index))


def _duplicates(rows: list[Row], columns: Columns) -> list[RowError]:
    by_email: dict[str, list[int]] = {}
    for row in rows:
        by_email.setdefault(row.data["email"], []).append(row.number)
    column = columns.names["email"]
    return [
        RowError(number, column, code=DUPLICATE_IN_FILE, params={"rows": [n for n in numbers if n != number]})
        for numbers in by_email.values() if len(numbers) > 1
        for number in numbers
    ]
