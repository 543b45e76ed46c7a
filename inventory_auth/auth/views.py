"""HTTP endpoints under /api/auth: parse with a schema, call the service, serialize."""

from flask_jwt_extended import current_user, jwt_required

from . import bp, service
from .schemas import (
    LoginSchema,
    MessageSchema,
    PasswordChangeSchema,
    ProfileUpdateSchema,
    RegisterSchema,
    TokenSchema,
    UserSchema,
)


@bp.post("/login")
@bp.errors(401, 403)
@bp.arguments(LoginSchema)
@bp.response(200, TokenSchema)
def login(credentials):
    """Exchange an email and password for an access token."""
    return service.login(credentials["email"], credentials["password"])


@bp.post("/register")
@bp.errors(400)
@bp.arguments(RegisterSchema)
@bp.response(201, UserSchema)
def register(data):
    """Create an account."""
    return service.register(data)


@bp.get("/me")
@jwt_required()
@bp.bearer
@bp.errors(404)
@bp.response(200, UserSchema)
def get_me():
    """The profile of the token's user."""
    return current_user


@bp.put("/me")
@jwt_required()
@bp.bearer
@bp.errors(404)
@bp.arguments(ProfileUpdateSchema)
@bp.response(200, UserSchema)
def update_me(changes):
    """Change the caller's own profile fields."""
    return service.update_profile(current_user, changes)


@bp.post("/me/change-password")
@jwt_required()
@bp.bearer
@bp.errors(400, 404)
@bp.arguments(PasswordChangeSchema)
@bp.response(200, MessageSchema)
def change_password(data):
    """Replace the caller's password, given the current one."""
    return service.change_password(current_user, data["current_password"], data["new_password"])
