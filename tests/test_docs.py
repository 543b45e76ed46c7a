"""The written documentation keeps up with the code: every setting and every endpoint is in it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# How the code reads a setting: config.py's parsers (env.whole, env.flag...), or os.environ.get
# (the tests' own settings).
SETTING_READ = re.compile(
    r"""\benv\.(?:text|given|whole|number|flag|choice|limit|items)\(\s*"([A-Z0-9_]+)"|"""
    r"""environ\.get\(\s*["']([A-Z0-9_]+)["']"""
)


def settings_read_by(*paths) -> set[str]:
    names = set()
    for path in paths:
        for match in SETTING_READ.finditer(path.read_text()):
            names.add(match.group(1) or match.group(2))
    return names


def test_every_setting_is_in_the_operations_guide():
    names = settings_read_by(
        *(ROOT / "inventory_auth").rglob("*.py"), ROOT / "gunicorn.conf.py", *(ROOT / "tests").glob("*.py")
    )
    assert {"SECRET_KEY", "TRUSTED_PROXIES", "WEB_CONCURRENCY", "TEST_POSTGRES_URL"} <= names
    guide = (DOCS / "operations.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in guide)
    assert missing == []


def test_every_operation_is_in_the_api_guide_with_a_curl_example(client):
    spec = client.get("/api/openapi.json").get_json()
    guide = (DOCS / "api.md").read_text()
    sections = re.split(r"^### ", guide, flags=re.MULTILINE)
    for path, item in spec["paths"].items():
        for method in item:
            if method == "parameters":  # shared by the path's operations, not an operation
                continue
            heading = f"`{method.upper()} {path}`"
            section = next((text for text in sections if text.startswith(heading)), None)
            assert section is not None, f"{heading} has no section in docs/api.md"
            assert "curl " in section and "$API" + path.removeprefix("/api") in section, heading
