"""HTTP endpoints under /api/auth: parse with a schema, call the service, serialize."""

from flask import current_app
from flask_jwt_extended import current_user, get_current_user, jwt_required

from ..extensions import limiter
from ..security.tokens import current_session_id
from . import bp, service
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
)


def configured_limit(name):
    return lambda: current_app.config[name]


@bp.post("/login")
@limiter.limit(configured_limit("LOGIN_RATE_LIMIT"))
@bp.errors(401, 403, 429, 503)
@bp.arguments(LoginSchema)
@bp.response(200, TokenSchema)
def login(credentials):
    """Exchange an email and password for an access token and a refresh token."""
    return service.login(credentials["email"], credentials["password"])


@bp.post("/refresh")
@limiter.limit(configured_limit("REFRESH_RATE_LIMIT"))
@bp.errors(401, 429, 503)
@bp.arguments(RefreshSchema)
@bp.response(200, TokenSchema)
def refresh(data):
    """Trade a refresh token (once) for a new pair."""
    return service.refresh(data["refresh_token"])


@bp.post("/register")
@limiter.limit(configured_limit("REGISTER_RATE_LIMIT"))
@jwt_required(optional=True)
@bp.errors(400, 401, 403, 429, 503)
@bp.arguments(RegisterSchema)
@bp.response(201, UserSchema)
def register(data):
    """Create an account (other roles than the self-service ones need an admin_general token)."""
    return service.register(data, actor=get_current_user())


@bp.get("/me")
@jwt_required()
@bp.bearer
@bp.errors(404)
@bp.response(200, UserSchema)
def get_me():
    """The profile of the token's user."""
    return get_current_user()


@bp.put("/me")
@jwt_required()
@bp.bearer
@bp.errors(404)
@bp.arguments(ProfileUpdateSchema)
@bp.response(200, UserSchema)
def update_me(changes):
    """Change the caller's own profile fields."""
    return service.update_profile(current_user.id, changes)


@bp.post("/me/change-password")
@jwt_required()
@bp.bearer
@bp.errors(400, 404)
@bp.arguments(PasswordChangeSchema)
@bp.response(200, PasswordChangedSchema)
def change_password(data):
    """Replace the caller's password, given the current one; ends every other session."""
    return service.change_password(current_user.id, data["current_password"], data["new_password"])


@bp.post("/logout")
@jwt_required()
@bp.bearer
@bp.response(200, MessageSchema)
def logout():
    """End the caller's session: its access and refresh tokens stop working."""
    return service.logout(current_session_id())


@bp.post("/logout-all")
@jwt_required()
@bp.bearer
@bp.response(200, MessageSchema)
def logout_all():
    """End every session of the caller, on every device."""
    return service.logout_all(current_user.id)
