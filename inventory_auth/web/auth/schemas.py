"""What the auth endpoints accept and answer, as marshmallow schemas.

The same schemas validate requests, serialize responses and describe the OpenAPI document.
"""

from marshmallow import Schema, fields, validate

from ...models.user import (
    AVATAR_URL_MAX,
    EMAIL_MAX,
    FICHA_MAX,
    NAME_MAX,
    PHONE_MAX,
    PROGRAM_MAX,
)
from ...roles import ROLES
from ..fields import (
    Email,
    RequestSchema,
    Text,
    distinct_script,
    length,
    optional_text,
    optional_web_url,
)
from ..messages import INVALID_ROLE

PASSWORD_MIN = 8
PASSWORD_MAX = 128
# Login must accept any password an account may hold (the previous backend had no maximum),
# but not an unbounded one.
LOGIN_PASSWORD_MAX = 1024


def email_field():
    return Email(required=True, validate=length(EMAIL_MAX, 1))


def new_email_field():
    """The email of a new account: no look-alike mix of scripts either (`distinct_script`)."""
    return Email(required=True, validate=[length(EMAIL_MAX, 1), distinct_script])


def name_field(*, required: bool):
    return Text(required=required, validate=[length(NAME_MAX, 1), distinct_script])


def new_password_field():
    return fields.String(required=True, validate=length(PASSWORD_MAX, PASSWORD_MIN))


class LoginSchema(RequestSchema):
    email = email_field()
    password = fields.String(required=True, validate=length(LOGIN_PASSWORD_MAX, 1))


class AccountSchema(RequestSchema):
    """What a valid account is, whoever creates it: self-registration, an administrator
    (`/api/users`, `flask users create`) or a spreadsheet import (enrolment/rows.py)."""

    email = new_email_field()
    first_name = name_field(required=True)
    last_name = name_field(required=True)
    role = Text(
        required=True,
        validate=validate.OneOf(ROLES, error=INVALID_ROLE.format(roles=", ".join(ROLES))),
    )
    phone = optional_text(PHONE_MAX)
    program = optional_text(PROGRAM_MAX)
    ficha = optional_text(FICHA_MAX)
    avatar_url = optional_web_url(AVATAR_URL_MAX)


class RegisterSchema(AccountSchema):
    password = new_password_field()


class ProfileUpdateSchema(RequestSchema):
    """Every field optional; a field left out is left as it is. Nothing else is accepted."""

    first_name = name_field(required=False)
    last_name = name_field(required=False)
    phone = optional_text(PHONE_MAX)
    program = optional_text(PROGRAM_MAX)
    ficha = optional_text(FICHA_MAX)
    avatar_url = optional_web_url(AVATAR_URL_MAX)


class PasswordChangeSchema(RequestSchema):
    current_password = fields.String(required=True, validate=length(LOGIN_PASSWORD_MAX, 1))
    new_password = new_password_field()


class UserSchema(Schema):
    """UserResponse: exactly these fourteen keys, never a password or a hash."""

    id = fields.UUID()
    email = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    role = fields.String()
    phone = fields.String(allow_none=True)
    program = fields.String(allow_none=True)
    ficha = fields.String(allow_none=True)
    avatar_url = fields.String(allow_none=True)
    is_active = fields.Boolean()
    last_login = fields.AwareDateTime(allow_none=True, format="iso")
    created_at = fields.AwareDateTime(format="iso")
    updated_at = fields.AwareDateTime(format="iso")
    environment_id = fields.UUID(allow_none=True)


def user_profile(user) -> dict:
    """What `UserSchema().dump(user)` gives, written out: GET /me's hot path skips marshmallow's
    pass over the fields (a third of what the view itself cost). tests/test_user_profile.py holds
    the two equal for generated users (None, any text, timestamps with any offset)."""
    return {
        "id": _text(user.id),
        "email": _text(user.email),
        "first_name": _text(user.first_name),
        "last_name": _text(user.last_name),
        "role": _text(user.role),
        "phone": _text(user.phone),
        "program": _text(user.program),
        "ficha": _text(user.ficha),
        "avatar_url": _text(user.avatar_url),
        "is_active": user.is_active,
        "last_login": _iso(user.last_login),
        "created_at": _iso(user.created_at),
        "updated_at": _iso(user.updated_at),
        "environment_id": _text(user.environment_id),
    }


def _text(value):
    return None if value is None else str(value)


def _iso(value):
    return None if value is None else value.isoformat()


class RefreshSchema(RequestSchema):
    refresh_token = fields.String(required=True, validate=length(4096, 1))


class TokenPairSchema(Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "bearer"})
    expires_in = fields.Integer(
        required=True, metadata={"description": "Segundos de vida del token de acceso"}
    )


class TokenSchema(TokenPairSchema):
    user = fields.Nested(UserSchema, required=True)


class MessageSchema(Schema):
    message = fields.String(required=True)


class PasswordChangedSchema(TokenPairSchema):
    """The previous backend's message, plus the token pair of a new session: every session of
    the user, the calling one included, has ended."""

    message = fields.String(required=True)
