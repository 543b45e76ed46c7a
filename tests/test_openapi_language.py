"""The OpenAPI document (and so Swagger UI) speaks the API audience's language: Spanish, like the
`detail` texts. Every summary and description is walked; English gives itself away by its
commonest words. Code in backticks is left out (field names, headers, commands)."""

import re

ENGLISH = {
    "the", "and", "of", "to", "is", "are", "for", "with", "from", "that", "this", "when", "which",
    "every", "an", "or", "on", "its", "it", "be", "by", "number", "page", "answer", "answers",
    "caller", "session", "sessions", "token's", "created", "found", "request",
    "unauthorized", "forbidden", "unavailable", "metadata", "entity",
}
CODE = re.compile(r"`[^`]*`")


def texts(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("summary", "description") and isinstance(value, str):
                yield f"{path}/{key}", value
            else:
                yield from texts(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from texts(value, f"{path}/{index}")


def english_words(text):
    words = re.findall(r"[A-Za-z']+", CODE.sub(" ", text).lower())
    return sorted(set(words) & ENGLISH)


def test_every_summary_and_description_is_spanish(client):
    spec = client.get("/api/openapi.json").get_json()
    found = list(texts(spec))
    assert len(found) > 30
    english = {path: english_words(text) for path, text in found if english_words(text)}
    assert english == {}


def test_the_check_catches_english():
    assert english_words("End the caller's session: its access and refresh tokens stop working.")
    assert english_words("Not Found")
    assert not english_words("Cierra la sesión del llamante: `access_token` deja de servir.")


def test_no_unused_pagination_schema(client):
    spec = client.get("/api/openapi.json").get_json()
    assert "PaginationMetadata" not in spec["components"].get("schemas", {})
    assert "PAGINATION" not in spec["components"].get("headers", {})
