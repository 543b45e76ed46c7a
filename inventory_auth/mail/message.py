"""The password reset message: Spanish plain text, a subject and a body, nothing else.

Pure functions of their arguments, so the flow, the CLI and the tests build the same text.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

SERVICE_NAME = "sistema de inventario del SENA"
RESET_SUBJECT = "Restablecer su contraseña del sistema de inventario del SENA"
INVITATION_SUBJECT = "Active su cuenta del sistema de inventario del SENA"


@dataclass(frozen=True)
class Message:
    """One plain-text message to one recipient."""

    to: str
    subject: str
    body: str
    kind: str  # what it is, for the logs ("password_reset"); never its content
    user_id: object = None  # the account it is for, named in the log when it cannot be sent


def reset_link(template: str, token: str) -> str:
    """The link in the message: the template (`PASSWORD_RESET_URL`, `INVITATION_URL`) with the
    token in place of `{token}`."""
    return template.format(token=quote(token, safe=""))


def lifetime_in_words(minutes: int) -> str:
    """30 -> "30 minutos", 60 -> "1 hora", 120 -> "2 horas", 90 -> "90 minutos"."""
    if minutes % 60 == 0:
        hours = minutes // 60
        return "1 hora" if hours == 1 else f"{hours} horas"
    return "1 minuto" if minutes == 1 else f"{minutes} minutos"


def hours_in_words(hours: int) -> str:
    """168 -> "7 días", 24 -> "1 día", 36 -> "36 horas", 1 -> "1 hora"."""
    if hours % 24 == 0:
        days = hours // 24
        return "1 día" if days == 1 else f"{days} días"
    return "1 hora" if hours == 1 else f"{hours} horas"


def password_reset_message(email: str, link: str, expires_minutes: int) -> Message:
    lifetime = lifetime_in_words(expires_minutes)
    body = f"""Hola:

Recibimos una solicitud para restablecer la contraseña de la cuenta {email} en el {SERVICE_NAME}.

Para elegir una contraseña nueva, abra este enlace:

{link}

El enlace vence en {lifetime} y sirve una sola vez. Si pide otro enlace, este deja de servir.

Si usted no pidió restablecer su contraseña, ignore este mensaje: su contraseña actual sigue \
siendo válida y nadie puede cambiarla sin este enlace. Si recibe estos mensajes sin haberlos \
pedido, avise al administrador del sistema en su centro de formación.

--
Sistema de inventario del SENA
Este es un mensaje automático; por favor no lo responda.
"""
    return Message(to=email, subject=RESET_SUBJECT, body=body, kind="password_reset")


def invitation_message(
    email: str, first_name: str, link: str, expires_hours: int, *, user_id=None
) -> Message:
    lifetime = hours_in_words(expires_hours)
    body = f"""Hola, {first_name}:

Se creó una cuenta para {email} en el {SERVICE_NAME}.

Para activarla, abra este enlace y elija su contraseña:

{link}

El enlace vence en {lifetime} y sirve una sola vez. Si recibe otra invitación, esta deja de \
servir. Después, vuelva a la aplicación e ingrese con su correo y la contraseña que eligió.

Si no esperaba este mensaje, ignórelo o avise al administrador del sistema en su centro de \
formación: sin este enlace nadie puede usar la cuenta.

--
Sistema de inventario del SENA
Este es un mensaje automático; por favor no lo responda.
"""
    return Message(to=email, subject=INVITATION_SUBJECT, body=body, kind="invitation", user_id=user_id)
