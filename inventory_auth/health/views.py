"""GET /api/health (liveness) and GET /api/health/ready (readiness)."""

from ..web.errors import ServiceUnavailable
from . import bp
from .checks import readiness
from .schemas import LiveSchema, ReadySchema


@bp.get("")
@bp.response(200, LiveSchema)
def live():
    """Liveness: the process answers HTTP. Touches no dependency; restart the instance if it fails."""
    return {"status": "ok"}


@bp.get("/ready")
@bp.errors(503)
@bp.response(200, ReadySchema)
def ready():
    """Readiness: the database (and Redis, when configured) answer in time. On 503, send no traffic."""
    checks, failures = readiness()
    if failures:
        raise ServiceUnavailable(errors=failures)
    return {"status": "ok", "checks": checks}
