"""Every Spanish text a client of the API can be shown, in one catalog.

The Flutter app shows `detail` to the user as is, so these are written for students and staff,
not developers. The domain never speaks to users: `web/errors.py` maps its exceptions to these
texts, and the schemas' field messages come from here too.
"""

from __future__ import annotations

import math

# Tokens and access
INVALID_TOKEN = "Token inválido o expirado"
FORBIDDEN = "No tiene permiso para realizar esta acción"
USER_NOT_FOUND = "Usuario no encontrado"

# Login and accounts
INVALID_CREDENTIALS = "Correo o contraseña incorrectos"
INACTIVE_ACCOUNT = "La cuenta de usuario está inactiva"
EMAIL_TAKEN = "El correo electrónico ya está registrado"
WRONG_CURRENT_PASSWORD = "Contraseña actual incorrecta"
ROLE_NOT_SELF_SERVICE = "Solo un administrador general puede crear usuarios con el rol «{role}»"
PASSWORD_CHANGED = "Contraseña actualizada exitosamente"
LOGGED_OUT = "Sesión cerrada exitosamente"
LOGGED_OUT_ALL = "Se cerraron todas las sesiones"

# Account administration (/api/users)
USER_DEACTIVATED = "Usuario desactivado exitosamente"
USER_ACTIVATED = "Usuario activado exitosamente"
LAST_ADMIN_GENERAL = (
    "No se puede desactivar ni quitar el rol al último administrador general activo; "
    "asigne antes ese rol a otra cuenta"
)

# Password reset by email
PASSWORD_RESET_REQUESTED = (
    "Si el correo está registrado, recibirá un enlace para restablecer la contraseña"
)
PASSWORD_RESET_DONE = "Contraseña restablecida exitosamente"
RESET_TOKEN_INVALID = "El enlace de restablecimiento no es válido o ha expirado"

# Password policy problems, by the code `security.password_policy` reports.
PASSWORD_PROBLEMS = {
    "too_common": "La contraseña es demasiado común o fácil de adivinar; use una frase más larga y propia.",
    "contains_personal": "La contraseña no puede contener su nombre ni su correo electrónico.",
    "too_long_for_bcrypt": (
        "La contraseña es demasiado larga: por ahora se admiten hasta 72 bytes "
        "(las letras con tilde y la ñ ocupan dos)."
    ),
}

# Validation
VALIDATION_FAILED = "Los datos enviados no son válidos"
FIELD_MESSAGES = {
    "required": "Este campo es obligatorio.",
    "null": "Este campo no puede ser nulo.",
    "validator_failed": "Valor inválido.",
    "invalid": "Valor inválido.",
    "invalid_utf8": "No es un texto UTF-8 válido.",
    "invalid_uuid": "No es un UUID válido.",
}
UNKNOWN_FIELD = "Campo no permitido."
NOT_AN_OBJECT = "Se esperaba un objeto JSON."
NOT_TEXT = "Debe ser un texto."
NOT_BOOLEAN = "Debe ser verdadero o falso."
INVALID_EMAIL = "Correo electrónico inválido."
NUL_CHARACTER = "No puede contener el carácter nulo (U+0000)."
LENGTH_BETWEEN = "Debe tener entre {min} y {max} caracteres."
LENGTH_AT_MOST = "Debe tener como máximo {max} caracteres."
INVALID_ROLE = "Rol inválido; debe ser uno de: {roles}."
NOT_INTEGER = "Debe ser un número entero."
INTEGER_AT_LEAST = "Debe ser un número entero mayor o igual que {min}."
INTEGER_BETWEEN = "Debe ser un número entero entre {min} y {max}."
RANGE_BETWEEN = "Debe estar entre {min} y {max}."
INVALID_DATE = "Fecha inválida; use el formato ISO 8601 (AAAA-MM-DD o AAAA-MM-DDTHH:MM:SS)."
INVALID_WEB_URL = "Debe ser una dirección web completa que empiece por http:// o https://."

# Health checks
DATABASE_DOWN = "La base de datos no responde"
REDIS_DOWN = "Redis no responde"

# Texts for the HTTP errors Werkzeug and the web layer raise on their own.
HTTP_DETAILS = {
    400: "Solicitud inválida: el cuerpo debe ser un objeto JSON válido",
    401: INVALID_TOKEN,
    403: FORBIDDEN,
    404: "Recurso no encontrado",
    405: "Método no permitido",
    409: "La operación entra en conflicto con el estado actual",
    413: "El cuerpo de la solicitud es demasiado grande",
    415: "El tipo de contenido debe ser application/json",
    422: VALIDATION_FAILED,
    429: "Demasiadas solicitudes; intente de nuevo más tarde",
    500: "Error interno del servidor",
    503: "Servicio no disponible temporalmente; intente de nuevo en unos segundos",
}


ATTEMPT_IN_PROGRESS = (
    "Ya se está verificando una contraseña de esta cuenta. Intente de nuevo en un momento."
)


def _wait_in_words(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return f"{seconds} segundos" if seconds < 60 else f"{minutes} minuto{'s' if minutes > 1 else ''}"


def locked_out(seconds: int) -> str:
    """The lockout's answer, with the wait in words a user reads."""
    return f"Demasiados intentos fallidos de inicio de sesión. Intente de nuevo en {_wait_in_words(seconds)}."


def address_over_failure_budget(seconds: int) -> str:
    """The per-address failure budget's answer (security/failure_budget.py)."""
    return (f"Demasiados intentos fallidos desde esta red. Intente de nuevo en {_wait_in_words(seconds)}.")
