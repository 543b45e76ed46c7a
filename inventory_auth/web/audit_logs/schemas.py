"""What /api/audit-logs accepts (query strings) and answers, as marshmallow schemas.

The app sends every filter, empty when unused (`?action_filter=&user_id=...`): an empty value
means "any", never a 422. Unknown query parameters are ignored.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ...models.audit_log import ACTION_MAX, ENTITY_TYPE_MAX
from ..fields import DateOrDateTime, OptionalText, QueryArgsSchema, length
from ..messages import INTEGER_AT_LEAST, INTEGER_BETWEEN, NOT_INTEGER

PER_PAGE_MAX = 100
DAYS_MAX = 3650
SEARCH_MAX = 200


def page_number(**kwargs):
    return fields.Integer(
        validate=validate.Range(min=1, error=INTEGER_AT_LEAST.format(min=1)),
        error_messages={"invalid": NOT_INTEGER},
        **kwargs,
    )


def bounded_integer(maximum: int, **kwargs):
    return fields.Integer(
        validate=validate.Range(min=1, max=maximum, error=INTEGER_BETWEEN.format(min=1, max=maximum)),
        error_messages={"invalid": NOT_INTEGER},
        **kwargs,
    )


class LogQuerySchema(QueryArgsSchema):
    page = page_number(load_default=1, metadata={"description": "Página, desde 1"})
    per_page = bounded_integer(
        PER_PAGE_MAX, load_default=20, metadata={"description": f"Registros por página (1..{PER_PAGE_MAX})"}
    )
    action_filter = OptionalText(
        validate=length(ACTION_MAX), metadata={"description": "Solo esta acción (p. ej. `login_failed`)"}
    )
    user_id = fields.UUID(metadata={"description": "Solo las acciones de este usuario"})
    entity_type = OptionalText(
        validate=length(ENTITY_TYPE_MAX),
        metadata={"description": "Solo este tipo de entidad (p. ej. `user`)"},
    )
    start_date = DateOrDateTime(
        metadata={"description": "Desde esta fecha (todo el día) o fecha y hora (UTC si no lleva desfase)",
                  "type": "string", "example": "2026-11-01"}
    )
    end_date = DateOrDateTime(
        metadata={"description": "Hasta esta fecha (todo el día, incluida) o fecha y hora",
                  "type": "string", "example": "2026-11-30"}
    )
    search = OptionalText(
        validate=length(SEARCH_MAX),
        metadata={"description": "Texto buscado (sin distinguir mayúsculas) en la acción, el tipo de "
                                 "entidad y el nombre o correo del usuario; `%` y `_` son literales"},
    )


class StatsQuerySchema(QueryArgsSchema):
    days = bounded_integer(
        DAYS_MAX, load_default=30, metadata={"description": f"Días hacia atrás (1..{DAYS_MAX})"}
    )


class AuditLogSchema(Schema):
    """One event, with exactly the keys the app reads."""

    id = fields.UUID(required=True)
    user_id = fields.UUID(allow_none=True, metadata={"description": "Quién actuó (nulo si no se sabe)"})
    user_name = fields.String(allow_none=True)
    user_email = fields.String(allow_none=True)
    action = fields.String(required=True)
    entity_type = fields.String(required=True)
    entity_id = fields.UUID(allow_none=True, metadata={"description": "Sobre qué se actuó"})
    old_values = fields.Raw(allow_none=True, metadata={"type": "object", "description": "Campos antes"})
    new_values = fields.Raw(allow_none=True, metadata={"type": "object", "description": "Campos después"})
    ip_address = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    session_id = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(format="iso", allow_none=True)


class LogPageSchema(Schema):
    logs = fields.List(fields.Nested(AuditLogSchema), required=True)
    total = fields.Integer(required=True, metadata={"description": "Registros que cumplen los filtros"})
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total_pages = fields.Integer(required=True)


class ActionCountSchema(Schema):
    action = fields.String(required=True)
    count = fields.Integer(required=True)


class UserCountSchema(Schema):
    name = fields.String(required=True)
    email = fields.String(required=True)
    count = fields.Integer(required=True)


class StatsSchema(Schema):
    total_logs = fields.Integer(required=True)
    today_logs = fields.Integer(required=True, metadata={"description": "Desde la medianoche UTC"})
    warning_logs = fields.Integer(required=True)
    error_logs = fields.Integer(required=True)
    info_logs = fields.Integer(required=True)
    success_logs = fields.Integer(required=True)
    top_actions = fields.List(fields.Nested(ActionCountSchema), required=True)
    top_users = fields.List(fields.Nested(UserCountSchema), required=True)
