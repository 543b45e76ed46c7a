"""GET /api/health (liveness) and GET /api/health/ready (readiness).

The docstrings are the OpenAPI summaries and descriptions: Spanish, for the API's audience.
"""

from ..errors import ServiceUnavailable
from . import bp
from .checks import readiness
from .schemas import LiveSchema, ReadySchema


@bp.get("")
@bp.response(200, LiveSchema)
def live():
    """Vida: el proceso responde HTTP.

    No consulta ninguna dependencia; si falla, reinicie la instancia.
    """
    return {"status": "ok"}


@bp.get("/ready")
@bp.errors(503)
@bp.response(200, ReadySchema)
def ready():
    """Disponibilidad: la base de datos (y Redis, si está configurado) responden a tiempo.

    Con 503, no envíe tráfico a esta instancia.
    """
    checks, failures = readiness()
    if failures:
        raise ServiceUnavailable(errors=failures)
    return {"status": "ok", "checks": checks}
