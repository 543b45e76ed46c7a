"""enrolment/reading.py and columns.py on their own: encodings, separators, cells, header names."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from inventory_auth.enrolment import reading
from inventory_auth.enrolment.columns import columns, normalized
from inventory_auth.exceptions import SpreadsheetTooLarge, SpreadsheetUnreadable

from roster_files import csv_bytes, xlsx_bytes

ROWS = [["Correo", "Nombres"], ["ñandú@sena.edu.co", "Begoña"]]


@pytest.mark.parametrize("data", [
    csv_bytes(ROWS), csv_bytes(ROWS, bom=True), csv_bytes(ROWS, encoding="cp1252"),
    csv_bytes(ROWS, encoding="utf-16"), b"\xfe\xff" + csv_bytes(ROWS, encoding="utf-16-be"),
])
def test_decode_reads_every_encoding_people_save(data):
    assert reading.decode(data).lstrip("\ufeff").splitlines()[1] == "ñandú@sena.edu.co,Begoña"


def test_bytes_no_encoding_can_read_are_refused():
    with pytest.raises(SpreadsheetUnreadable) as refused:
        reading.decode(b"correo\x81\x8d\x8f\x90\x9d")  # undefined in Windows-1252, invalid UTF-8
    assert refused.value.reason == reading.ENCODING


@pytest.mark.parametrize("line, expected", [
    ("correo;nombres;apellidos", ";"), ("correo,nombres,apellidos", ","), ("correo\tnombres", "\t"),
    ('"apellidos, nombres";correo', ";"), ("correo", ","), ("\n\ncorreo;nombres", ";"),
])
def test_the_separator_is_the_one_the_first_line_holds_most(line, expected):
    assert reading.separator(line) == expected


@pytest.mark.parametrize("value, text", [
    (None, None), ("  ", None), (" Ana ", "Ana"), (3001234567.0, "3001234567"), (2758312, "2758312"),
    (1.5, "1.5"), (True, "TRUE"), (datetime(2026, 12, 4), "2026-12-04"),
    (datetime(2026, 12, 4, 8, 30), "2026-12-04T08:30:00"), (date(2026, 12, 4), "2026-12-04"),
])
def test_cells_read_as_the_text_people_typed(value, text):
    assert reading._cell_text(value) == text


def test_row_numbers_are_the_sheets_and_empty_rows_are_skipped():
    rows = [["correo", "nombres"], [None, None], ["a@b.co", "A"], [], ["c@d.co", "C", None, None]]
    for data in (xlsx_bytes(rows), csv_bytes(rows)):
        sheet = reading.read(data, max_rows=10, max_unzipped_bytes=2**20)
        assert sheet.rows == [(1, ["correo", "nombres"]), (3, ["a@b.co", "A"]), (5, ["c@d.co", "C"])]


def test_rows_beyond_the_limit_stop_the_reading():
    rows = [["correo"]] + [[f"a{i}@b.co"] for i in range(6)]
    with pytest.raises(SpreadsheetTooLarge) as refused:
        reading.read(csv_bytes(rows), max_rows=5, max_unzipped_bytes=2**20)
    assert (refused.value.what, refused.value.limit) == ("rows", 5)
    assert len(reading.read(csv_bytes(rows[:6]), max_rows=5, max_unzipped_bytes=2**20).rows) == 6


def test_the_unzipped_size_is_checked_before_parsing():
    data = xlsx_bytes([["correo"]] + [["x" * 500] for _ in range(200)])
    with pytest.raises(SpreadsheetTooLarge) as refused:
        reading.read(data, max_rows=5000, max_unzipped_bytes=50_000)
    assert refused.value.what == "unzipped_bytes"


@pytest.mark.parametrize("name, expected", [
    ("Correo Electrónico", "correo electronico"), ("  E-MAIL ", "e mail"), ("first_name", "first name"),
    ("TELÉFONO", "telefono"), ("Número  de ficha", "numero de ficha"),
])
def test_header_names_are_compared_without_case_accents_or_punctuation(name, expected):
    assert normalized(name) == expected


def test_columns_found_ignored_duplicated_and_missing():
    found = columns(["Correo", None, "Nombres", "Apellidos", "Documento", "ROL"])
    assert found.index == {"email": 0, "first_name": 2, "last_name": 3, "role": 5}
    assert found.names["role"] == "ROL" and found.ignored == ["Documento"]
    with pytest.raises(SpreadsheetUnreadable) as twice:
        columns(["correo", "nombres", "apellidos", "Nombre"])
    assert twice.value.details == {"column": "Nombre", "first": "nombres"}
    with pytest.raises(SpreadsheetUnreadable) as missing:
        columns(["nombres", "email"])
    assert missing.value.details == {"fields": ["last_name"]}


def test_excels_sep_line_names_the_separator_and_is_no_row():
    data = b"sep=,\r\ncorreo,nombres;apellidos\r\na@b.co,Ana;Mar\xc3\xada\r\n"
    sheet = reading.read(data, max_rows=10, max_unzipped_bytes=2**20)
    assert sheet.rows == [(1, ["correo", "nombres;apellidos"]), (2, ["a@b.co", "Ana;María"])]
