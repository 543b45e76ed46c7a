"""Password reset by email: `POST /api/auth/password-reset/request` and `.../confirm`.

The request answers 202 with one body whatever the email is; the domain does the same work for an
existing, an inactive and an unknown address, and the message is queued only after the commit, on
this worker's outbox (the answer never waits for the SMTP server). Limits: per client address
(`PASSWORD_RESET_RATE_LIMIT`, Flask-Limiter, a 429) and per account
(`PASSWORD_RESET_ACCOUNT_LIMIT`, counted in the database, silently: an account over its limit
gets no further message, and the caller the same 202, so the limit reveals no account).
"""

from __future__ import annotations

from marshmallow import fields

from ...accounts import password_reset
from ...extensions import db, limiter
from ...security.failure_budget import guarded
from .. import messages
from ..fields import RequestSchema, Text, length
from ..rate_limits import configured_limit
from ..transaction import commits
from . import bp
from .schemas import MessageSchema, email_field, new_password_field

# One per-address budget for asking for a link, through this API or the page
# (`POST /restablecer-contrasena`, inventory_auth/pages): using both does not double it.
REQUEST_LIMIT_SCOPE = "password-reset-request"
# Setting a password from a link, through this API or the pages: one budget per address.
CONFIRM_LIMIT_SCOPE = "password-reset-confirm"


class ResetRequestSchema(RequestSchema):
    email = email_field()


class ResetConfirmSchema(RequestSchema):
    token = Text(
        required=True,
        validate=length(password_reset.TOKEN_MAX_LENGTH, 1),
        metadata={"description": "El token del enlace recibido por correo."},
    )
    new_password = new_password_field()


class ResetRequestedSchema(MessageSchema):
    message = fields.String(required=True, metadata={"example": messages.PASSWORD_RESET_REQUESTED})


class ResetDoneSchema(MessageSchema):
    message = fields.String(required=True, metadata={"example": messages.PASSWORD_RESET_DONE})


@bp.post("/password-reset/request")
@limiter.shared_limit(configured_limit("PASSWORD_RESET_RATE_LIMIT"), scope=REQUEST_LIMIT_SCOPE)
@bp.errors(429, 503)
@bp.arguments(ResetRequestSchema)
@bp.response(202, ResetRequestedSchema)
def request_password_reset(data):
    """Solicitar un enlace para restablecer la contraseña.

    Responde 202 con el mismo cuerpo, y en el mismo tiempo, exista o no una cuenta activa con ese
    correo. Si existe, se le envía un enlace de un solo uso que vence en `PASSWORD_RESET_EXPIRE`
    minutos; una nueva solicitud invalida los enlaces anteriores.
    """
    pending = password_reset.request(data["email"])
    db.session.commit()
    password_reset.send(pending)
    return {"message": messages.PASSWORD_RESET_REQUESTED}


@bp.post("/password-reset/confirm")
@limiter.shared_limit(configured_limit("PASSWORD_RESET_CONFIRM_RATE_LIMIT"), scope=CONFIRM_LIMIT_SCOPE)
@bp.errors(400, 429, 503)
@bp.arguments(ResetConfirmSchema)
@bp.response(200, ResetDoneSchema)
@guarded  # failures spend the address's budget (security/failure_budget.py)
@commits
def confirm_password_reset(data):
    """Restablecer la contraseña con el token del enlace recibido por correo.

    Cierra todas las sesiones del usuario y levanta el bloqueo por intentos fallidos. Un token
    desconocido, ya usado, vencido o reemplazado por uno más reciente recibe 400.
    """
    password_reset.confirm(data["token"], data["new_password"])
    return {"message": messages.PASSWORD_RESET_DONE}
