"""What other services use to trust this service's tokens, under /api/auth: the public keys
(GET /jwks.json) and token introspection (POST /introspect, RFC 7662). docs/integration.md shows
a service using both."""

from ..blueprint import Blueprint

bp = Blueprint(
    "verification", __name__, url_prefix="/api/auth",
    description="Verificación de tokens por otros servicios",
)

from . import views  # noqa: E402,F401  (registers the routes on bp)
