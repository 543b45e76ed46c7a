"""The pure logic of the fault scenarios (fault/), which run outside CI: the bookkeeping
that decides PASS or FAIL must not break unnoticed."""

import pytest

from fault import soak
from fault.db_outage import PasswordChanger
from fault.harness import Answer, Record, percentile, summarize


def test_percentile_and_summary():
    assert percentile([5, 1, 4, 2, 3], 0.5) == 3
    assert percentile([5, 1, 4, 2, 3], 1.0) == 5
    records = [Record("x", 0, 1, status) for status in (200, None, 503, 200)]
    assert summarize(records) == "200: 2, 503: 1, no answer: 1"


def test_soak_thirds_leave_out_the_warm_up_sample():
    samples = list(range(10))  # sample 0 is warm-up
    assert soak.third(samples, 0) == [1, 2, 3]
    assert soak.third(samples, 2) == [7, 8, 9]
    assert soak.third([0, 1], 0) == [1] == soak.third([0, 1], 2)


def test_soak_writes_only_its_block(tmp_path, monkeypatch):
    doc = tmp_path / "reliability.md"
    doc.write_text("antes\n<!-- soak:begin -->\nviejo\n<!-- soak:end -->\ndespués\n")
    monkeypatch.setattr(soak, "DOC", doc)
    monkeypatch.setattr(soak, "ROOT", tmp_path)
    soak.write_doc("| t |\n|---|", "Cabecera.")
    expected = "antes\n<!-- soak:begin -->\nCabecera.\n\n| t |\n|---|\n<!-- soak:end -->\ndespués\n"
    assert doc.read_text() == expected
    doc.write_text("sin marcas\n")
    with pytest.raises(RuntimeError):
        soak.write_doc("| t |", "Cabecera.")


class FakeLoad:
    """Answers login attempts from a table: password -> status."""

    def __init__(self, statuses):
        self.statuses = statuses

    def call(self, op, method, path, body=None, **kwargs):
        status = self.statuses[body["password"]] if "password" in body else self.statuses["change"]
        body = {"access_token": "t", "refresh_token": "r"} if status == 200 else {"detail": "x"}
        return Answer(status, body)


def changer():
    return PasswordChanger({"email": "a@sena.edu.co", "access": "t0", "password": "vieja"})


def test_password_change_without_a_definite_answer_keeps_both_candidates():
    c = changer()
    c.step(FakeLoad({"change": 503}))
    assert len(c.possible) == 2 and c.token is None and c.changes_undecided == 1
    new = (c.possible - {"vieja"}).pop()
    c.step(FakeLoad({"vieja": 401, new: 200}))  # the change had committed
    assert c.possible == {new} and c.token == "t" and not c.violations


def test_neither_or_both_candidates_working_is_a_violation():
    for outcome in (401, 200):
        c = changer()
        c.step(FakeLoad({"change": None}))
        new = (c.possible - {"vieja"}).pop()
        c.resolve(FakeLoad({"vieja": outcome, new: outcome}))
        assert len(c.violations) == 1


def test_resolving_waits_while_the_database_is_away():
    c = changer()
    c.step(FakeLoad({"change": 503}))
    new = (c.possible - {"vieja"}).pop()
    c.resolve(FakeLoad({"vieja": 503, new: 503}))
    assert len(c.possible) == 2 and c.token is None and not c.violations
