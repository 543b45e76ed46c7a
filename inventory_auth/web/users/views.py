"""HTTP endpoints under /api/users: admin_general only; parse, call accounts.admin, commit, answer.

Every route answers with and without the trailing slash, directly (the app does not follow
redirects on POST/PUT); `GET /api/users//stats`, which the app builds from a base ending in a
slash, is answered as /stats.
"""

from __future__ import annotations

from ... import enrolment, mail
from ...accounts import admin, invitations
from ...extensions import db
from ...roles import ADMIN_GENERAL
from .. import messages
from ..access import roles_required
from ..fields import as_lower_bound, as_upper_bound
from ..openapi import status_description
from ..transaction import commits
from . import bp, upload
from .schemas import (
    AdminPasswordSchema,
    ImportQuerySchema,
    ImportRejectedSchema,
    ImportReportSchema,
    MessageSchema,
    UserCreateSchema,
    UserQuerySchema,
    UserSchema,
    UserStatsSchema,
    UserUpdateSchema,
)

TOTAL_COUNT_HEADER = {
    "X-Total-Count": {
        "description": "Cuántos usuarios coinciden con los filtros, en todas las páginas.",
        "schema": {"type": "integer", "minimum": 0},
        "required": True,
    }
}


@bp.get("/")
@roles_required(ADMIN_GENERAL)
@bp.arguments(UserQuerySchema, location="query", as_kwargs=True)
@bp.response(200, UserSchema(many=True), headers=TOTAL_COUNT_HEADER)
def list_users(skip, limit, role=None, is_active=None, search=None, start_date=None, end_date=None):
    """Lista de usuarios, del más reciente al más antiguo, con filtros y paginación."""
    filters = admin.Filters(
        role=role,
        is_active=is_active,
        search=search or None,
        created_from=as_lower_bound(start_date),
        created_before=as_upper_bound(end_date),
    )
    users, total = admin.list_users(filters, skip=skip, limit=limit)
    return users, {"X-Total-Count": str(total)}


@bp.get("/stats")
@roles_required(ADMIN_GENERAL)
@bp.response(200, UserStatsSchema)
def user_stats():
    """Totales de usuarios: activos, inactivos, por rol y registrados en los últimos 7 días."""
    return admin.stats()


@bp.record_once
def _double_slash_stats(state):
    """The app asks `GET /api/users//stats`: answer it as /stats, without a redirect (and without
    a second entry in the OpenAPI document)."""
    state.app.add_url_rule(
        f"{bp.url_prefix}//stats", endpoint="users.user_stats_double_slash",
        view_func=state.app.view_functions["users.user_stats"], methods=["GET"], merge_slashes=False,
    )


@bp.post("/")
@roles_required(ADMIN_GENERAL)
@bp.errors(400)
@bp.arguments(UserCreateSchema)
@bp.response(200, UserSchema)
@commits
def create_user(data):
    """Crea un usuario de cualquier rol (aplica la política de contraseñas). Responde 200."""
    return admin.create(data)


@bp.post("/import")
@roles_required(ADMIN_GENERAL)
@bp.errors(400, 409, 413, 415, 503)
@bp.alt_response(422, schema=ImportRejectedSchema, description=status_description(422))
@bp.arguments(ImportQuerySchema, location="query", as_kwargs=True)
@bp.response(200, ImportReportSchema)
@bp.doc(requestBody={
    "required": True,
    "description": "La hoja de cálculo de la ficha (CSV o .xlsx): el cuerpo entero, o el campo "
    "`file` de un formulario multipart. Columnas: `correo`, `nombres`, `apellidos` "
    "(obligatorias), `rol`, `telefono`, `programa`, `ficha`.",
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"}
        },
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
    },
})
def import_users(dry_run, on_existing, invite):
    """Crea de una vez las cuentas de una ficha desde su hoja de cálculo (todo o nada); las
    cuentas nuevas reciben por correo una invitación para elegir su contraseña."""
    data, file_name = upload.roster()
    report = enrolment.import_accounts(
        data, file_name=file_name, on_existing=on_existing, dry_run=dry_run, invite=invite
    )
    if not dry_run:
        db.session.commit()
        enrolment.send_invitations(report)
    return report


@bp.get("/<user_id>")
@roles_required(ADMIN_GENERAL)
@bp.errors(404)
@bp.response(200, UserSchema)
def get_user(user_id):
    """Un usuario por su id."""
    return admin.get(user_id)


@bp.put("/<user_id>")
@roles_required(ADMIN_GENERAL)
@bp.errors(404, 409)
@bp.arguments(UserUpdateSchema)
@bp.response(200, UserSchema)
@commits
def update_user(changes, user_id):
    """Modifica un usuario; cambiar su rol o desactivarlo cierra todas sus sesiones."""
    return admin.update(user_id, changes)


@bp.delete("/<user_id>")
@roles_required(ADMIN_GENERAL)
@bp.errors(404, 409)
@bp.response(200, MessageSchema)
@commits
def deactivate_user(user_id):
    """Desactiva un usuario (no borra nada) y cierra todas sus sesiones."""
    admin.deactivate(user_id)
    return {"message": messages.USER_DEACTIVATED}


@bp.post("/<user_id>/activate")
@roles_required(ADMIN_GENERAL)
@bp.errors(404)
@bp.response(200, MessageSchema)
@commits
def activate_user(user_id):
    """Reactiva un usuario. No lleva cuerpo (se acepta uno vacío)."""
    admin.activate(user_id)
    return {"message": messages.USER_ACTIVATED}


@bp.post("/<user_id>/invite")
@roles_required(ADMIN_GENERAL)
@bp.errors(403, 404, 409, 503)
@bp.response(200, MessageSchema)
def invite_user(user_id):
    """Envía una invitación nueva a una cuenta sin contraseña (las anteriores dejan de servir).
    409 si la cuenta ya tiene contraseña. No lleva cuerpo (se acepta uno vacío)."""
    mail.link_template(mail.INVITATION_LINK)  # 503 before anything is stored, without PUBLIC_URL
    pending = invitations.invite(admin.get(user_id))
    db.session.commit()
    invitations.send(pending)
    return {"message": messages.INVITATION_SENT}


@bp.post("/<user_id>/password")
@roles_required(ADMIN_GENERAL)
@bp.errors(404)
@bp.arguments(AdminPasswordSchema)
@bp.response(200, MessageSchema)
@commits
def set_user_password(data, user_id):
    """Asigna una contraseña nueva al usuario (aplica la política) y cierra todas sus sesiones."""
    admin.set_password(user_id, data["new_password"])
    return {"message": messages.PASSWORD_CHANGED}
