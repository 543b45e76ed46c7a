"""What /api/users accepts and answers, as marshmallow schemas (UserResponse is auth's UserSchema)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ...enrolment import ON_EXISTING, SKIP
from ...roles import ROLES
from ..auth.schemas import MessageSchema, ProfileUpdateSchema, RegisterSchema, UserSchema, new_password_field
from ..fields import DateOrDateTime, QueryArgsSchema, RequestSchema, Text, length
from ..messages import INVALID_CHOICE, INVALID_ROLE, RANGE_BETWEEN

__all__ = [
    "AdminPasswordSchema", "ImportQuerySchema", "ImportRejectedSchema", "ImportReportSchema", "MessageSchema",
    "UserCreateSchema", "UserQuerySchema", "UserSchema", "UserStatsSchema", "UserUpdateSchema",
]

LIMIT_MAX = 1000
SKIP_MAX = 1_000_000_000
SEARCH_MAX = 255


def role_field(**kwargs):
    return Text(validate=validate.OneOf(ROLES, error=INVALID_ROLE.format(roles=", ".join(ROLES))), **kwargs)


class UserQuerySchema(QueryArgsSchema):
    """The list's query string. An empty parameter (`role=`) means "no filter", as the app sends
    them; other parameters are ignored."""

    skip = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=SKIP_MAX, error=RANGE_BETWEEN.format(min=0, max=SKIP_MAX)),
        metadata={"description": "Cuántos usuarios saltar (paginación)."},
    )
    limit = fields.Integer(
        load_default=100,
        validate=validate.Range(min=1, max=LIMIT_MAX, error=RANGE_BETWEEN.format(min=1, max=LIMIT_MAX)),
        metadata={"description": "Cuántos usuarios devolver, de 1 a 1000."},
    )
    role = role_field(metadata={"description": "Solo los usuarios de este rol."})
    is_active = fields.Boolean(
        metadata={"description": "Solo los activos (`true`) o los inactivos (`false`)."}
    )
    search = Text(
        validate=length(SEARCH_MAX),
        metadata={
            "description": "Texto en el nombre, el apellido o el correo (sin distinguir mayúsculas)."
        },
    )
    start_date = DateOrDateTime(
        metadata={"description": "Creados desde esta fecha (ISO 8601), incluida.", "format": "date"}
    )
    end_date = DateOrDateTime(
        metadata={"description": "Creados hasta esta fecha (ISO 8601), incluida.", "format": "date"}
    )


class UserCreateSchema(RegisterSchema):
    """UserCreate: any role (the caller is an admin_general); the password policy applies."""


class UserUpdateSchema(ProfileUpdateSchema):
    """Every field optional; a field left out is left as it is. Nothing else is accepted (email,
    password, id...: 422)."""

    role = role_field()
    is_active = fields.Boolean()
    environment_id = fields.UUID(allow_none=True)


class AdminPasswordSchema(RequestSchema):
    new_password = new_password_field()


class ImportQuerySchema(QueryArgsSchema):
    """The options of an import, in the query string (the body is the file)."""

    dry_run = fields.Boolean(
        load_default=False, metadata={"description": "`true`: revisa todo y no escribe nada."}
    )
    on_existing = Text(
        load_default=SKIP,
        validate=validate.OneOf(ON_EXISTING, error=INVALID_CHOICE.format(choices=", ".join(ON_EXISTING))),
        metadata={
            "description": "Qué hacer con un correo que ya tiene cuenta: `skip` la deja como está; "
            "`update` actualiza sus nombres, teléfono, programa, ficha y rol."
        },
    )
    invite = fields.Boolean(
        load_default=True,
        metadata={"description": "`false`: no envía las invitaciones a las cuentas creadas."},
    )


class ImportReportSchema(Schema):
    dry_run = fields.Boolean(required=True)
    rows = fields.Integer(required=True, metadata={"description": "Filas de datos leídas."})
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(
        required=True, metadata={"description": "Cuentas ya registradas que no cambiaron."}
    )
    invited = fields.Integer(required=True)
    ignored_columns = fields.List(
        fields.String(), required=True, metadata={"description": "Columnas del archivo que no se usaron."}
    )


class RowErrorSchema(Schema):
    row = fields.Integer(required=True, metadata={"description": "Fila de la hoja (el encabezado es la 1)."})
    column = fields.String(required=True, metadata={"description": "La columna, como la nombra el archivo."})
    detail = fields.String(required=True)


class ImportRejectedSchema(Schema):
    """A refused import: the usual `detail`, the file's problem in `errors`, or every bad row in
    `row_errors`."""

    detail = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(), values=fields.List(fields.String()),
        metadata={"description": "Por qué no se pudo leer el archivo (`file`)."},
    )
    row_errors = fields.List(
        fields.Nested(RowErrorSchema),
        metadata={"description": "Todas las filas con errores; no se escribió nada."},
    )


class UsersByRoleSchema(Schema):
    student = fields.Integer(required=True)
    instructor = fields.Integer(required=True)
    supervisor = fields.Integer(required=True)
    admin = fields.Integer(required=True)
    admin_general = fields.Integer(required=True)


class UserStatsSchema(Schema):
    total_users = fields.Integer(required=True)
    active_users = fields.Integer(required=True)
    inactive_users = fields.Integer(required=True)
    users_by_role = fields.Nested(UsersByRoleSchema, required=True)
    recent_registrations = fields.Integer(
        required=True, metadata={"description": "Usuarios creados en los últimos 7 días."}
    )


if set(UsersByRoleSchema().fields) != set(ROLES):
    raise RuntimeError("UsersByRoleSchema must list every role of roles.ROLES")
