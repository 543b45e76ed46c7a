"""Reading what coordinators really have: a CSV as any spreadsheet program saves it, or an .xlsx.

The format is told from the bytes, never from a name or a content type: an .xlsx is a zip
(`PK\\x03\\x04`); an old binary .xls or a password-protected workbook is an OLE2 file (refused,
with a message that says to save as .xlsx or CSV); anything else is read as CSV.

CSV: UTF-8 with or without BOM, UTF-16 with BOM (Excel's "Unicode text"), or Windows-1252 (what
a Spanish-locale Excel saves), tried in that order; the separator is whichever of `;`, `,` or
tab the first non-empty line holds most of, unless the file starts with Excel's `sep=;` line
(which Excel does not show as a row, and neither is it counted here).

.xlsx: the first worksheet, through openpyxl in read-only mode (rows are streamed, not built as a
workbook in memory), with defusedxml installed (openpyxl then refuses XML entity tricks). Before
openpyxl sees it, the zip's declared sizes are added up and a workbook that would unpack to more
than IMPORT_MAX_UNZIPPED_BYTES is refused (zipfile never inflates a member past its declared size,
so the declaration bounds the work). Formulas are never evaluated (openpyxl cannot): a formula
cell reads as the value the spreadsheet program last saved with it (`data_only`), and as empty
when the file carries no saved value (then the row's checks say what is missing).

Either way the result is a `Sheet`: rows numbered as the spreadsheet shows them (the first row
is 1), each a list of cell texts (stripped; None for empty), trailing empty cells and empty rows
dropped. Only the first MAX_COLUMNS columns are read; a header reaching beyond is refused.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time

from ..exceptions import SpreadsheetTooLarge, SpreadsheetUnreadable

# The codes of SpreadsheetUnreadable, which web/messages.py and cli/errors.py put in words.
OLD_FORMAT = "old_format"  # .xls, an encrypted workbook (OLE2)
ENCODING = "encoding"
MALFORMED_CSV = "malformed_csv"
MALFORMED_XLSX = "malformed_xlsx"
NO_HEADER = "no_header"
TOO_MANY_COLUMNS = "too_many_columns"
DUPLICATE_COLUMN = "duplicate_column"
MISSING_COLUMNS = "missing_columns"
UNREADABLE = (
    OLD_FORMAT, ENCODING, MALFORMED_CSV, MALFORMED_XLSX, NO_HEADER, TOO_MANY_COLUMNS,
    DUPLICATE_COLUMN, MISSING_COLUMNS,
)

MAX_COLUMNS = 50  # a roster has seven; a sheet may carry some more of its own
MAX_ZIP_MEMBERS = 1000
MAX_CELL_CHARS = 1000  # longer than any field stores; the row's checks then refuse it
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SEPARATORS = (";", ",", "\t")
_SEP_LINE = re.compile(r"sep=(.)\r?\n")


@dataclass(frozen=True)
class Sheet:
    """A spreadsheet as (row number, cells) pairs, empty rows left out."""

    rows: list[tuple[int, list[str | None]]]
    kind: str  # "csv" or "xlsx"


def read(data: bytes, *, max_rows: int, max_unzipped_bytes: int) -> Sheet:
    """The spreadsheet in `data`; refuses (SpreadsheetUnreadable, SpreadsheetTooLarge) what it
    cannot read within the limits. `max_rows` bounds the non-empty rows after the header."""
    if data.startswith(OLE2_MAGIC):
        raise SpreadsheetUnreadable(OLD_FORMAT)
    if data.startswith(ZIP_MAGIC):
        return Sheet(_bounded(_xlsx_rows(data, max_unzipped_bytes), max_rows), "xlsx")
    return Sheet(_bounded(_csv_rows(data), max_rows), "csv")


def _bounded(rows, max_rows: int) -> list[tuple[int, list[str | None]]]:
    """Non-empty rows, trailing empty cells dropped; stop as soon as there are too many."""
    kept = []
    for number, cells in rows:
        cells = list(cells[:MAX_COLUMNS + 1])
        while cells and cells[-1] is None:
            cells.pop()
        if not cells:
            continue
        if not kept and len(cells) > MAX_COLUMNS:
            raise SpreadsheetUnreadable(TOO_MANY_COLUMNS, limit=MAX_COLUMNS)
        kept.append((number, cells[:MAX_COLUMNS]))
        if len(kept) > max_rows + 1:  # the header and max_rows data rows
            raise SpreadsheetTooLarge("rows", max_rows)
    return kept


def _cell_text(value) -> str | None:
    """A cell as text: numbers as written (a phone or ficha typed as a number has no `.0`),
    dates in ISO 8601; blank is None."""
    if value is None:
        return None
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime):
        text = value.date().isoformat() if value.time() == time.min else value.isoformat()
    elif isinstance(value, date | time):
        text = value.isoformat()
    else:
        text = str(value)
    text = text[:MAX_CELL_CHARS + 1].strip()
    return text or None


# CSV -------------------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The text of a CSV file in whichever of the encodings people's tools write it."""
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpreadsheetUnreadable(ENCODING)


def separator(text: str) -> str:
    """The separator the first non-empty line uses most (`,` when it holds none)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {candidate: first.count(candidate) for candidate in SEPARATORS}
    best = max(SEPARATORS, key=lambda candidate: counts[candidate])
    return best if counts[best] else ","


def _csv_rows(data: bytes):
    text = decode(data)
    hint = _SEP_LINE.match(text)
    if hint:
        text, delimiter = text[hint.end():], hint.group(1)
    else:
        delimiter = separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):  # noqa: B007 (read after the loop)
            yield number, [_cell_text(cell) for cell in record]
    except csv.Error as error:
        raise SpreadsheetUnreadable(MALFORMED_CSV, row=number + 1, problem=str(error)) from None


# XLSX ------------------------------------------------------------------------------------------


def _check_zip(data: bytes, max_unzipped_bytes: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise SpreadsheetUnreadable(MALFORMED_XLSX) from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise SpreadsheetUnreadable(MALFORMED_XLSX)
    if sum(member.file_size for member in members) > max_unzipped_bytes:
        raise SpreadsheetTooLarge("unzipped_bytes", max_unzipped_bytes)


def _xlsx_rows(data: bytes, max_unzipped_bytes: int):
    from openpyxl import load_workbook

    _check_zip(data, max_unzipped_bytes)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about parts it skips (data validation, unknown extensions).
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                if not workbook.worksheets:
                    raise SpreadsheetUnreadable(NO_HEADER)
                sheet = workbook.worksheets[0]
                sheet.reset_dimensions()  # trust no declared size: read what is there
                rows = sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True)
                for number, values in enumerate(rows, start=1):
                    yield number, [_cell_text(value) for value in values]
            finally:
                workbook.close()
    except (SpreadsheetUnreadable, SpreadsheetTooLarge, GeneratorExit):
        raise
    except Exception:  # noqa: BLE001 (whatever a broken workbook makes openpyxl raise: a 4xx)
        raise SpreadsheetUnreadable(MALFORMED_XLSX) from None
