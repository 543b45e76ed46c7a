"""The tree tells the HTTP edge from the domain: `web/` answers requests and `cli/` commands; the
packages beside them (accounts, sessions, security, audit, ...) never import either, so a rule of
the domain holds the same through the API, the pages and `flask users`."""

from __future__ import annotations

import ast
from pathlib import Path

import inventory_auth

PACKAGE = Path(inventory_auth.__file__).parent
EDGES = ("web", "cli")
# Rows of a roster are checked with the schema /register checks an account with (one set of rules).
ALLOWED = {("enrolment/rows.py", "inventory_auth.web.auth.schemas")}


def module_name(path: Path) -> str:
    return ".".join(("inventory_auth", *path.relative_to(PACKAGE).with_suffix("").parts))


def imported_modules(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module (and imported name) `source` imports, relative imports resolved from `module`."""
    package = module if is_package else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rsplit(".", 1)[0]
            target = node.module or ""
            if node.level:
                target = f"{base}.{target}" if target else base
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def domain_modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in EDGES or relative == Path("__init__.py"):
            continue  # the edges themselves, and the factory that wires them in
        yield relative.as_posix(), path


def test_the_domain_never_imports_the_edges():
    crossings = [
        (name, target)
        for name, path in domain_modules()
        for target in imported_modules(path.read_text(), module_name(path), path.name == "__init__.py")
        if target.split(".")[1:2] and target.split(".")[1] in EDGES
        and not any(name == allowed and target.startswith(prefix) for allowed, prefix in ALLOWED)
    ]
    assert crossings == []


def test_the_check_resolves_relative_imports():
    """A domain module reaching into web/ by a relative import is seen as the crossing it is."""
    source = "from ..web import messages\nfrom . import store\nfrom ...cli.output import echo\n"
    found = imported_modules(source, "inventory_auth.accounts.sub.module")
    assert "inventory_auth.accounts.web.messages" in found  # two dots from accounts.sub: accounts
    assert "inventory_auth.accounts.sub.store" in found
    assert "inventory_auth.cli.output.echo" in found
    assert "inventory_auth.web.messages" in imported_modules(
        "from ..web import messages\n", "inventory_auth.accounts.store"
    )
