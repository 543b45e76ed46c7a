"""What the JWKS and introspection endpoints accept and answer."""

from marshmallow import Schema, fields

from ...roles import ROLES
from ..fields import RequestSchema


class JwksSchema(Schema):
    keys = fields.List(
        fields.Dict(),
        required=True,
        metadata={
            "description": "Claves públicas (RFC 7517) con `kid`, `alg` y `use`; vacía si los "
            "tokens se firman con HS256 (clave secreta compartida, nunca publicada).",
        },
    )


class IntrospectionRequestSchema(RequestSchema):
    # Any length is accepted here and a long one is simply not active (RFC 7662 answers an invalid
    # token with `active: false`); the body limit (MAX_CONTENT_LENGTH) bounds it.
    token = fields.String(required=True, metadata={"description": "El token a examinar."})
    token_type_hint = fields.String(
        metadata={"description": "Opcional (RFC 7662); se ignora: solo hay tokens de acceso."}
    )


class IntrospectionSchema(Schema):
    active = fields.Boolean(required=True, metadata={"description": "Si el token vale ahora mismo."})
    sub = fields.String(metadata={"description": "Id del usuario (UUID)."})
    role = fields.String(metadata={"description": f"Rol actual: {', '.join(ROLES)}."})
    exp = fields.Integer(metadata={"description": "Vencimiento (segundos desde 1970, UTC)."})
    iat = fields.Integer(metadata={"description": "Emisión (segundos desde 1970, UTC)."})
    sid = fields.String(metadata={"description": "Id de la sesión (UUID)."})
    token_type = fields.String(metadata={"description": "Siempre `bearer`."})
