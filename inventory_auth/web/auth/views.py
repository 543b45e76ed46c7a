"""HTTP endpoints under /api/auth: parse with a schema, call the domain, commit, serialize.

The commit rule: the view commits, once, when the domain has done its part (`commits`,
web/transaction.py). A failed login commits too (the lockout counts the failure), and so does a
reused refresh token (its session is ended): their exceptions are `RecordedRefusal`s, committed
before the error is answered; any other error rolls the request back.

The views' docstrings are the operations' summaries (first line) and descriptions in the OpenAPI
document and Swagger UI: they are written in Spanish, for the API's audience.
"""

from flask import jsonify
from flask_jwt_extended import current_user, get_current_user, jwt_required

from ... import accounts, sessions
from ...extensions import limiter
from ...security.failure_budget import guarded
from .. import messages
from ..rate_limits import configured_limit
from ..transaction import commits
from . import bp
from .schemas import (
    LoginSchema,
    MessageSchema,
    PasswordChangedSchema,
    PasswordChangeSchema,
    ProfileUpdateSchema,
    RefreshSchema,
    RegisterSchema,
    TokenSchema,
    UserSchema,
    user_profile,
)


@bp.post("/login")
@limiter.limit(configured_limit("LOGIN_RATE_LIMIT"))
@bp.errors(401, 403, 429, 503)
@bp.arguments(LoginSchema)
@bp.response(200, TokenSchema)
@guarded  # failures spend the address's budget (security/failure_budget.py)
@commits
def login(credentials):
    """Cambia correo y contraseña por un token de acceso y un token de renovación."""
    return accounts.login(credentials["email"], credentials["password"])


@bp.post("/refresh")
@limiter.limit(configured_limit("REFRESH_RATE_LIMIT"))
@bp.errors(401, 429, 503)
@bp.arguments(RefreshSchema)
@bp.response(200, TokenSchema)
@commits
def refresh(data):
    """Cambia un token de renovación (una sola vez) por un par nuevo."""
    return sessions.refresh(data["refresh_token"])


@bp.post("/register")
@limiter.limit(configured_limit("REGISTER_RATE_LIMIT"))
@jwt_required(optional=True)
@bp.errors(400, 401, 403, 429, 503)
@bp.arguments(RegisterSchema)
@bp.response(201, UserSchema)
@guarded  # failures spend the address's budget (security/failure_budget.py)
@commits
def register(data):
    """Crea una cuenta.

    `role` es obligatorio: la app envía `"student"`. Los roles de autorregistro
    (`SELF_REGISTRATION_ROLES`, por defecto solo `student`) no piden token; cualquier otro rol
    necesita el token de un `admin_general` (si no, 403). El cuerpo se valida antes de buscar el
    correo: un cuerpo incompleto (sin `role`, por ejemplo) recibe 422 aunque el correo ya exista.
    """
    return accounts.register(data, actor=get_current_user())


@bp.get("/me")
@jwt_required()
@bp.bearer
@bp.errors(404)
@bp.built_response(200, UserSchema)
def get_me():
    """El perfil del usuario del token."""
    return jsonify(user_profile(get_current_user()))


@bp.put("/me")
@jwt_required()
@bp.bearer
@bp.errors(404)
@bp.arguments(ProfileUpdateSchema)
@bp.response(200, UserSchema)
@commits
def update_me(changes):
    """Cambia los campos del perfil propio."""
    return accounts.update_profile(accounts.get_user(current_user.id), changes)


@bp.post("/me/change-password")
@limiter.limit(configured_limit("CHANGE_PASSWORD_RATE_LIMIT"))
@jwt_required()
@bp.bearer
@bp.errors(400, 404, 429, 503)
@bp.arguments(PasswordChangeSchema)
@bp.response(200, PasswordChangedSchema)
@guarded  # failures spend the address's budget (security/failure_budget.py)
@commits
def change_password(data):
    """Reemplaza la contraseña propia, dada la actual.

    Termina todas las sesiones del usuario, esta incluida (sus tokens de acceso y de renovación
    dejan de servir), y abre una sesión nueva cuyo par de tokens devuelve.
    """
    tokens = accounts.change_password(current_user.id, data["current_password"], data["new_password"])
    return {"message": messages.PASSWORD_CHANGED, **tokens}


@bp.post("/logout")
@jwt_required()
@bp.bearer
@bp.response(200, MessageSchema)
@commits
def logout():
    """Cierra la sesión del llamante: sus tokens de acceso y de renovación dejan de servir."""
    sessions.logout(current_user.id, sessions.current_session_id())
    return {"message": messages.LOGGED_OUT}


@bp.post("/logout-all")
@jwt_required()
@bp.bearer
@bp.response(200, MessageSchema)
@commits
def logout_all():
    """Cierra todas las sesiones del llamante, en todos sus dispositivos."""
    sessions.logout_all(current_user.id)
    return {"message": messages.LOGGED_OUT_ALL}
