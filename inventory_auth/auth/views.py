"""HTTP endpoints under /api/auth: parse with a schema, call the domain, commit, serialize.

The commit rule: the view commits, once, when the domain has done its part. A failed login
commits too (the lockout counts the failure), and so does a reused refresh token (its session is
ended); both then answer with their error.

The views' docstrings are the operations' summaries (first line) and descriptions in the OpenAPI
document and Swagger UI: they are written in Spanish, for the API's audience.
"""

from flask import jsonify
from flask_jwt_extended import current_user, get_current_user, jwt_required

from .. import accounts, sessions
from ..config import settings
from ..exceptions import AuthenticationFailed, RefreshTokenReused, WrongCurrentPassword
from ..extensions import db, limiter
from ..security import lockout
from ..security.failure_budget import guarded
from ..web import messages
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


def configured_limit(name):
    return lambda: getattr(settings(), name)


@bp.post("/login")
@limiter.limit(configured_limit("LOGIN_RATE_LIMIT"))
@bp.errors(401, 403, 429, 503)
@bp.arguments(LoginSchema)
@bp.response(200, TokenSchema)
@guarded  # failures spend the address's budget (security/failure_budget.py)
def login(credentials):
    """Cambia correo y contraseña por un token de acceso y un token de renovación."""
    with lockout.lease_given_back_on_error(credentials["email"]):
        try:
            user = accounts.authenticate(credentials["email"], credentials["password"])
        except AuthenticationFailed:
            db.session.commit()  # the failure counts toward the lockout, and is audited
            raise
        tokens = sessions.start(user)
        db.session.commit()
    return {**tokens, "user": user}


@bp.post("/refresh")
@limiter.limit(configured_limit("REFRESH_RATE_LIMIT"))
@bp.errors(401, 429, 503)
@bp.arguments(RefreshSchema)
@bp.response(200, TokenSchema)
def refresh(data):
    """Cambia un token de renovación (una sola vez) por un par nuevo."""
    try:
        answer = sessions.refresh(data["refresh_token"])
    except RefreshTokenReused:
        db.session.commit()
        raise
    db.session.commit()
    return answer


@bp.post("/register")
@limiter.limit(configured_limit("REGISTER_RATE_LIMIT"))
@jwt_required(optional=True)
@bp.errors(400, 401, 403, 429, 503)
@bp.arguments(RegisterSchema)
@bp.response(201, UserSchema)
@guarded  # failures spend the address's budget (security/failure_budget.py)
def register(data):
    """Crea una cuenta.

    `role` es obligatorio: la app envía `"student"`. Los roles de autorregistro
    (`SELF_REGISTRATION_ROLES`, por defecto solo `student`) no piden token; cualquier otro rol
    necesita el token de un `admin_general` (si no, 403). El cuerpo se valida antes de buscar el
    correo: un cuerpo incompleto (sin `role`, por ejemplo) recibe 422 aunque el correo ya exista.
    """
    user = accounts.register(data, actor=get_current_user())
    db.session.commit()
    return user


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
def update_me(changes):
    """Cambia los campos del perfil propio."""
    user = accounts.update_profile(accounts.get_user(current_user.id), changes)
    db.session.commit()
    return user


@bp.post("/me/change-password")
@limiter.limit(configured_limit("CHANGE_PASSWORD_RATE_LIMIT"))
@jwt_required()
@bp.bearer
@bp.errors(400, 404, 429, 503)
@bp.arguments(PasswordChangeSchema)
@bp.response(200, PasswordChangedSchema)
@guarded  # failures spend the address's budget (security/failure_budget.py)
def change_password(data):
    """Reemplaza la contraseña propia, dada la actual.

    Termina todas las sesiones del usuario, esta incluida (sus tokens de acceso y de renovación
    dejan de servir), y abre una sesión nueva cuyo par de tokens devuelve.
    """
    user = accounts.get_user(current_user.id)
    with lockout.lease_given_back_on_error(user.email):
        try:
            accounts.change_password(user, data["current_password"], data["new_password"])
        except (WrongCurrentPassword, AuthenticationFailed):
            db.session.commit()  # the failure counts toward the account's lockout
            raise
        tokens = sessions.start(user)
        db.session.commit()
    return {"message": messages.PASSWORD_CHANGED, **tokens}


@bp.post("/logout")
@jwt_required()
@bp.bearer
@bp.response(200, MessageSchema)
def logout():
    """Cierra la sesión del llamante: sus tokens de acceso y de renovación dejan de servir."""
    sessions.logout(current_user.id, sessions.current_session_id())
    db.session.commit()
    return {"message": messages.LOGGED_OUT}


@bp.post("/logout-all")
@jwt_required()
@bp.bearer
@bp.response(200, MessageSchema)
def logout_all():
    """Cierra todas las sesiones del llamante, en todos sus dispositivos."""
    sessions.logout_all(current_user.id)
    db.session.commit()
    return {"message": messages.LOGGED_OUT_ALL}
