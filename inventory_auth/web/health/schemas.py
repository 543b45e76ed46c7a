"""What the health checks answer."""

from marshmallow import Schema, fields, validate


class LiveSchema(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})


class ReadySchema(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})
    checks = fields.Dict(
        keys=fields.String(),
        values=fields.String(validate=validate.OneOf(["ok", "error", "not_configured"])),
        required=True,
        metadata={
            "description": "Estado de cada dependencia.",
            "example": {"database": "ok", "redis": "not_configured"},
        },
    )
