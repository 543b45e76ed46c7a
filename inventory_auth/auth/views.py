"""HTTP endpoints under /api/auth: parse with a schema, call the domain, commit, serialize.

The commit rule: the view commits, once, when the domain has done its part. A failed login
commits too (the lockout counts the failure), and so does a reused refresh token (its session is
ended); both then answer with their error.
"""

from flask import current_app
from flask_jwt_extended import current_user, get_current_user, jwt_required

from .. import accounts, sessions
from ..exceptions import AuthenticationFailed, RefreshTokenReused, WrongCurrentPassword
from ..extensions import db, limiter
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
    try:
        user = accounts.authenticate(credentials["email"], credentials["password"])
    except AuthenticationFailed:
        db.session.commit()
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
    """Trade a refresh token (once) for a new pair."""
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
def register(data):
    """Create an account (other roles than the self-service ones need an admin_general token)."""
    user = accounts.register(data, actor=get_current_user())
    db.session.commit()
    return user


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
    user = accounts.update_profile(accounts.get_user(current_user.id), changes)
    db.session.commit()
    return user


@bp.post("/me/change-password")
@limiter.limit(configured_limit("CHANGE_PASSWORD_RATE_LIMIT"))
@jwt_required()
@bp.bearer
@bp.errors(400, 404, 429)
@bp.arguments(PasswordChangeSchema)
@bp.response(200, PasswordChangedSchema)
def change_password(data):
    """Replace the caller's password, given the current one; ends every other session."""
    user = accounts.get_user(current_user.id)
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
    """End the caller's session: its access and refresh tokens stop working."""
    sessions.logout(current_user.id, sessions.current_session_id())
    db.session.commit()
    return {"message": messages.LOGGED_OUT}


@bp.post("/logout-all")
@jwt_required()
@bp.bearer
@bp.response(200, MessageSchema)
def logout_all():
    """End every session of the caller, on every device."""
    sessions.logout_all(current_user.id)
    db.session.commit()
    return {"message": messages.LOGGED_OUT_ALL}
