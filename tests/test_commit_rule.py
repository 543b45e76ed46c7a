"""The commit rule, as the README states it: the view or the CLI command commits; the layers below
never commit nor roll back. Its one exception is `database.own_transaction` (a short transaction
of its own, for the lockout's reservation and the return of a lease), which commits through the
engine, never through a `.commit()` of the domain's."""

from __future__ import annotations

import ast
from pathlib import Path

import inventory_auth

PACKAGE = Path(inventory_auth.__file__).parent
EDGES = ("web", "cli")
ENDING = {"commit", "rollback"}
# Where the exception may be taken: its definition, and the lockout's lease.
OWN_TRANSACTION_USERS = {"database.py", "security/lockout.py"}


def domain_modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] not in EDGES and relative.name != "__main__.py":
            yield relative.as_posix(), ast.parse(path.read_text())


def calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            yield node


def test_the_domain_never_commits_nor_rolls_back():
    found = [
        f"{name}:{call.lineno} .{call.func.attr}()"
        for name, tree in domain_modules()
        for call in calls(tree)
        if call.func.attr in ENDING
    ]
    assert found == []


def names_in(node: ast.AST) -> tuple:
    return getattr(node, "id", None), getattr(node, "attr", None), getattr(node, "name", None)


def test_only_the_lockout_takes_a_transaction_of_its_own():
    found = {
        name
        for name, tree in domain_modules()
        for node in ast.walk(tree)
        if "own_transaction" in names_in(node)
    }
    assert found <= OWN_TRANSACTION_USERS and "security/lockout.py" in found


def test_the_check_sees_a_commit():
    """The walk finds what it looks for: a `.commit()` and a `.rollback()` anywhere in a module."""
    tree = ast.parse("def f(session):\n    if session:\n        session.rollback()\n    db.session.commit()")
    ended = sorted(call.func.attr for call in calls(tree) if call.func.attr in ENDING)
    assert ended == ["commit", "rollback"]
