"""Roster files as coordinators' tools write them, built by the tests (openpyxl writes the
.xlsx), and the example roster shipped in docs/.

`python tests/roster_files.py` rewrites docs/ficha-ejemplo.csv and docs/ficha-ejemplo.xlsx from
EXAMPLE; tests/test_users_import.py checks that both still hold exactly EXAMPLE and import.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook

DOCS = Path(__file__).resolve().parent.parent / "docs"
EXAMPLE_CSV = DOCS / "ficha-ejemplo.csv"
EXAMPLE_XLSX = DOCS / "ficha-ejemplo.xlsx"

HEADER = ["Correo", "Nombres", "Apellidos", "Rol", "Teléfono", "Programa", "Ficha"]
EXAMPLE = [
    HEADER,
    ["ana.gomez@soy.sena.edu.co", "Ana María", "Gómez Ruiz", "", "3001234567", "ADSO", "2758312"],
    ["luis.pena@soy.sena.edu.co", "Luis", "Peña Ortiz", "", "", "ADSO", "2758312"],
    ["sofia.nunez@soy.sena.edu.co", "Sofía", "Núñez", "student", "3109876543", "ADSO", "2758312"],
    ["jorge.ramirez@sena.edu.co", "Jorge", "Ramírez", "instructor", "", "ADSO", "2758312"],
]


def csv_bytes(rows, *, separator=",", encoding="utf-8", bom=False, newline="\r\n") -> bytes:
    """A CSV file: Excel's "CSV UTF-8" is `,` + BOM; a Spanish-locale Excel's "CSV" is `;` in
    Windows-1252."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=separator, lineterminator=newline)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows, *, title="Aprendices", before=None) -> bytes:
    """An .xlsx whose first sheet holds `rows` (cells may be numbers, formulas...). `before`
    gets the workbook first, to add sheets or change it."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if before:
        before(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_examples() -> None:
    EXAMPLE_CSV.write_bytes(csv_bytes(EXAMPLE, bom=True))
    EXAMPLE_XLSX.write_bytes(xlsx_bytes(EXAMPLE))


if __name__ == "__main__":
    write_examples()
