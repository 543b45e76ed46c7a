"""The pages a link in a mail leads to: `/restablecer-contrasena` and `/activar-cuenta`.

Server-rendered HTML in Spanish (Jinja templates, one stylesheet served from `/paginas/`, no
JavaScript), for a person who taps a link on a phone: ask for a reset link, set a new password
from one, set the first password of an invited account. The views parse their forms with
marshmallow (`forms.py`) and call the same domain code as the API (`accounts/password_reset.py`,
`accounts/invitations.py`); `flows.py` says what differs between the two links; `errors.py`
answers every error of these paths with a page, never JSON nor a stack trace. No cookie, no
session: the single-use token in the form is what a forger lacks (docs/security.md).
"""

from __future__ import annotations

from flask import Blueprint, Flask

BLUEPRINT_NAME = "pages"  # web/headers.py gives these answers the pages' headers

bp = Blueprint(
    BLUEPRINT_NAME,
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/paginas",
)

from . import errors, views  # noqa: E402,F401  (routes and error pages on `bp`)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    errors.init_app(app)
