"""What a password change does to sessions, and that every document says the same.

The change ends every session of the user, the calling one included (its access and refresh
tokens stop working), then starts a new session whose pair it returns.
"""

from pathlib import Path

from helpers import PASSWORD, bearer

ROOT = Path(__file__).resolve().parent.parent
NEW_PASSWORD = "Nueva frase secreta 77"


def test_the_calling_session_ends_too_and_the_returned_pair_works(client, accounts):
    user = accounts.register()
    calling = accounts.login(user["email"])
    other = accounts.login(user["email"])
    response = client.post(
        "/api/auth/me/change-password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(calling["access_token"]),
    )
    assert response.status_code == 200
    pair = response.get_json()

    for old in (calling, other):
        assert client.get("/api/auth/me", headers=bearer(old["access_token"])).status_code == 401
        refreshed = client.post("/api/auth/refresh", json={"refresh_token": old["refresh_token"]})
        assert refreshed.status_code == 401

    assert client.get("/api/auth/me", headers=bearer(pair["access_token"])).status_code == 200
    renewed = client.post("/api/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert renewed.status_code == 200


def test_every_document_says_the_calling_session_ends_too(client):
    spec = client.get("/api/openapi.json").get_json()
    operation = spec["paths"]["/api/auth/me/change-password"]["post"]
    texts = {
        "README.md": (ROOT / "README.md").read_text(),
        "docs/api.md": (ROOT / "docs" / "api.md").read_text(),
        "OpenAPI": operation["summary"] + " " + operation.get("description", ""),
    }
    for name, text in texts.items():
        assert "every other session" not in text, name
    assert "esta incluida" in texts["OpenAPI"]
    assert "ends every session, this one included" in texts["README.md"]
    assert "this one included" in texts["docs/api.md"]
