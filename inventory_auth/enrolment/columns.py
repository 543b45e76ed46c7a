"""Which column is which: header names in Spanish or English, in any case, with or without
accents, spaces, hyphens or underscores (`Correo electrónico`, `EMAIL`, `first_name`, `Nombres`).

The names each field answers to are listed once, in ALIASES; docs/enrolment.md shows them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..exceptions import SpreadsheetUnreadable
from .reading import DUPLICATE_COLUMN, MISSING_COLUMNS, NO_HEADER

# field -> the header names it answers to, written normalized (see `normalized`).
ALIASES = {
    "email": ("correo", "email", "correo electronico", "e mail"),
    "first_name": ("nombres", "nombre", "first name"),
    "last_name": ("apellidos", "apellido", "last name"),
    "role": ("rol", "role"),
    "phone": ("telefono", "phone", "celular"),
    "program": ("programa", "program", "programa de formacion"),
    "ficha": ("ficha", "numero de ficha"),
}
REQUIRED = ("email", "first_name", "last_name")
_FIELD_OF = {alias: field for field, aliases in ALIASES.items() for alias in aliases}


def normalized(name: str) -> str:
    """`Correo_Electrónico ` -> `correo electronico`: no accents, lower case, one space between
    words."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(character for character in decomposed if not unicodedata.combining(character))
    return re.sub(r"[\W_]+", " ", plain.casefold()).strip()


@dataclass(frozen=True)
class Columns:
    """Where each known field is (its index in a row) and what the file calls it; the header
    names no field answers to, in the file's order."""

    index: dict[str, int]
    names: dict[str, str]
    ignored: list[str]


def columns(header: list[str | None]) -> Columns:
    if not header:
        raise SpreadsheetUnreadable(NO_HEADER)
    index, names, ignored = {}, {}, []
    for position, cell in enumerate(header):
        if cell is None:
            continue
        field = _FIELD_OF.get(normalized(cell))
        if field is None:
            ignored.append(cell)
            continue
        if field in index:
            raise SpreadsheetUnreadable(DUPLICATE_COLUMN, column=cell, first=names[field])
        index[field] = position
        names[field] = cell
    missing = [field for field in REQUIRED if field not in index]
    if missing:
        raise SpreadsheetUnreadable(MISSING_COLUMNS, fields=missing)
    return Columns(index, names, ignored)
