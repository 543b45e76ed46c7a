"""Bare extension instances, bound to the application in the factory.

Kept apart so that models, services and views import them without import cycles; this module
imports nothing of the service. The token manager is `sessions.jwt_manager.jwt`, beside the token
check; the API (flask-smorest) instance belongs to the HTTP edge: `web.openapi.api`.
"""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

# Deterministic constraint names, so migrations can name what they alter or drop.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Objects keep their loaded values after a commit: a request that commits and then answers with the
# object (login, register, profile) does not read it back from the database.
db = SQLAlchemy(
    metadata=MetaData(naming_convention=NAMING_CONVENTION),
    session_options={"expire_on_commit": False},
)
# Our own version table: the previous backend's database, which this service can adopt, already
# has an `alembic_version` of its own (see docs/migrating.md).
MIGRATIONS_VERSION_TABLE = "inventory_auth_alembic_version"
migrate = Migrate(version_table=MIGRATIONS_VERSION_TABLE)
# Per-address limits for floods; storage from RATELIMIT_STORAGE_URI (Redis when REDIS_URL is set,
# else this process's memory), falling back to memory while Redis is unreachable.
limiter = Limiter(key_func=get_remote_address)
