"""GET /api/auth/jwks.json and POST /api/auth/introspect.

The views' docstrings are the operations' summaries and descriptions in the OpenAPI document, in
Spanish like the rest of the API.
"""

from functools import wraps

from flask import request

from ... import service_clients
from ...config import settings
from ...exceptions import ServiceAuthenticationFailed
from ...signing import current_keyring
from ..openapi import SERVICE_SCHEME
from . import bp
from .schemas import IntrospectionRequestSchema, IntrospectionSchema, JwksSchema


@bp.get("/jwks.json")
@bp.errors(503)
@bp.response(200, JwksSchema)
def jwks():
    """Claves públicas para verificar los tokens (JWKS, RFC 7517).

    Cada token firmado con EdDSA, ES256 o RS256 nombra su clave en `kid`. Se puede guardar en
    caché el tiempo que dice `Cache-Control: max-age`; ante un `kid` desconocido, vuelva a pedirla.
    """
    ring = current_keyring()
    body = ring.jwks() if ring is not None else {"keys": []}
    max_age = settings().JWKS_MAX_AGE_SECONDS
    return body, 200, {"Cache-Control": f"public, max-age={max_age}"}


def _basic_credentials() -> tuple[str | None, str | None]:
    auth = request.authorization
    return (auth.username, auth.password) if auth and auth.type == "basic" else (None, None)


def service_caller(view):
    """401 before the body is read when the request carries no service credential at all (RFC
    7662: the caller is authenticated first); the credential itself is checked with the token."""

    @wraps(view)
    def checked(*args, **kwargs):
        name, secret = _basic_credentials()
        if not name or not secret:
            raise ServiceAuthenticationFailed()
        return view(*args, **kwargs)

    return checked


@bp.post("/introspect")
@bp.doc(security=[{SERVICE_SCHEME: []}])
@bp.errors(400, 401, 413, 415, 503)
@service_caller
@bp.arguments(IntrospectionRequestSchema(), location="json_or_form")  # one instance: not one per call
@bp.doc(requestBody={"content": {"application/json": {"schema": IntrospectionRequestSchema}}})
@bp.response(200, IntrospectionSchema)
def introspect(data):
    """Dice si un token de acceso vale ahora mismo (RFC 7662).

    Para servicios que necesitan que un cierre de sesión, una desactivación o un cambio de rol
    cuenten al instante. El servicio se autentica con HTTP Basic (credencial de
    `flask services create`; si no, 401). Responde `{"active": false}` para todo token que no
    valga ahora (vencido, revocado, de un usuario desactivado o con otro rol, de renovación...).
    """
    name, secret = _basic_credentials()
    answer = service_clients.introspect(name, secret, data["token"])
    return answer, 200, {"Cache-Control": "no-store"}
