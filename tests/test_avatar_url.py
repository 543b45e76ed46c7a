"""avatar_url holds an absolute http(s) URL with a host, nothing a client could run or misread."""

import pytest

from helpers import bearer, registration

MESSAGE = "Debe ser una dirección web completa que empiece por http:// o https://."

REFUSED = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "ftp://archivos.sena.edu.co/a.png",
    "//evil.example/a.png",
    "/static/a.png",
    "a.png",
    "https://",
    "http:///a.png",
    "https://cdn.sena.edu.co/a b.png",
    "https://cdn.sena.edu.co:puerto/a.png",
    "java\tscript:alert(1)",
]
ACCEPTED = [
    "https://cdn.sena.edu.co/a.png",
    "http://127.0.0.1:8001/avatar/1.png",
    "HTTPS://CDN.SENA.EDU.CO/A.PNG",
    "https://[2001:db8::1]/a.png",
]


@pytest.mark.parametrize("url", REFUSED)
def test_register_refuses_anything_but_http_urls(client, url):
    response = client.post("/api/auth/register", json=registration(avatar_url=url))
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"avatar_url": [MESSAGE]}


@pytest.mark.parametrize("url", REFUSED)
def test_profile_update_refuses_anything_but_http_urls(client, accounts, url):
    _, token = accounts.token()
    response = client.put("/api/auth/me", json={"avatar_url": url}, headers=bearer(token))
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"avatar_url": [MESSAGE]}


@pytest.mark.parametrize("url", ACCEPTED)
def test_http_and_https_urls_are_kept(client, accounts, url):
    _, token = accounts.token()
    response = client.put("/api/auth/me", json={"avatar_url": url}, headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json()["avatar_url"] == url


def test_null_or_blank_still_clears_the_avatar(client, accounts):
    _, token = accounts.token(avatar_url="https://cdn.sena.edu.co/a.png")
    for empty in (None, "", "   "):
        response = client.put("/api/auth/me", json={"avatar_url": empty}, headers=bearer(token))
        assert response.status_code == 200 and response.get_json()["avatar_url"] is None
