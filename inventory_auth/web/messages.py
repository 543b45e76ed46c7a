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
SERVICE_CREDENTIALS_INVALID = "Credenciales de servicio inválidas"

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

# Enrolling a ficha from a spreadsheet (POST /api/users/import)
INVITATION_SENT = "Invitación enviada"
IMPORT_MEDIA_TYPE = (
    "Envíe el archivo como text/csv, como libro de Excel (.xlsx) o en el campo «file» de un "
    "formulario multipart/form-data"
)
IMPORT_NO_FILE = "Falta el archivo: envíelo en el campo «file»."
IMPORT_TOO_LARGE = "El archivo es demasiado grande: el máximo es {mib} MiB"
IMPORT_TOO_MANY_ROWS = (
    "El archivo tiene más de {limit} filas de datos; divídalo en varios archivos más pequeños"
)
IMPORT_UNZIPPED_TOO_LARGE = (
    "El libro de Excel ocupa demasiado al descomprimirlo (más de {mib} MiB); guarde en un libro "
    "nuevo solo la hoja de los aprendices"
)
IMPORT_UNREADABLE = {
    "old_format": (
        "No se puede leer este archivo: guárdelo como «Libro de Excel (.xlsx)» o como CSV, sin "
        "contraseña"
    ),
    "encoding": "No se reconoce la codificación del archivo; guárdelo como «CSV UTF-8»",
    "malformed_csv": "El archivo CSV está mal formado cerca de la fila {row} (revise las comillas)",
    "malformed_xlsx": "El archivo no es un libro de Excel (.xlsx) válido",
    "no_header": "El archivo está vacío: la primera fila debe tener los nombres de las columnas",
    "too_many_columns": "La fila de encabezados tiene más de {limit} columnas",
    "duplicate_column": "Las columnas «{first}» y «{column}» son la misma; deje solo una",
    "missing_columns": "Faltan columnas obligatorias: {columns}",
}
# How a missing column is named to the coordinator.
IMPORT_COLUMN_NAMES = {"email": "correo", "first_name": "nombres", "last_name": "apellidos"}
IMPORT_ROWS_INVALID = "Hay errores en {count} fila(s) del archivo; no se importó ninguna"
IMPORT_ROW_ERRORS = {
    "duplicate_in_file": "Este correo está repetido en el archivo (también en la fila {rows})",
    "last_admin_general": LAST_ADMIN_GENERAL,
}
IMPORT_RACED = (
    "Otra importación está creando estas mismas cuentas en este momento; intente de nuevo en "
    "unos segundos"
)

# Password reset by email
PASSWORD_RESET_REQUESTED = (
    "Si el correo está registrado, recibirá un enlace para restablecer la contraseña"
)
PASSWORD_RESET_DONE = "Contraseña restablecida exitosamente"
RESET_TOKEN_INVALID = "El enlace de restablecimiento no es válido o ha expirado"

# Invitations to accounts created without a password
ACTIVATION_TOKEN_INVALID = "El enlace de activación no es válido o ha expirado"
ACCOUNT_HAS_PASSWORD = "La cuenta ya tiene una contraseña: su titular puede ingresar o restablecerla"
LINK_UNAVAILABLE = "El servicio no tiene configurada su dirección pública (PUBLIC_URL) para crear el enlace"

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
CONTROL_CHARACTER = (
    "No puede contener caracteres de control ni de formato (saltos de línea, tabuladores, "
    "escapes de terminal, marcas de dirección del texto)."
)
LOOKALIKE_SCRIPTS = (
    "Mezcla letras de alfabetos distintos que se confunden entre sí (por ejemplo, una «е» "
    "cirílica entre letras latinas); escríbalo con un solo alfabeto."
)
LENGTH_BETWEEN = "Debe tener entre {min} y {max} caracteres."
LENGTH_AT_MOST = "Debe tener como máximo {max} caracteres."
INVALID_ROLE = "Rol inválido; debe ser uno de: {roles}."
INVALID_CHOICE = "Valor inválido; debe ser uno de: {choices}."
NOT_INTEGER = "Debe ser un número entero."
INTEGER_AT_LEAST = "Debe ser un número entero mayor o igual que {min}."
INTEGER_BETWEEN = "Debe ser un número entero entre {min} y {max}."
RANGE_BETWEEN = "Debe estar entre {min} y {max}."
INVALID_DATE = "Fecha inválida; use el formato ISO 8601 (AAAA-MM-DD o AAAA-MM-DDTHH:MM:SS)."
INVALID_WEB_URL = "Debe ser una dirección web completa que empiece por http:// o https://."

# Health checks
DATABASE_DOWN = "La base de datos no responde"
SCHEMA_NOT_CURRENT = (
    "La base de datos no tiene el esquema de esta versión del servicio: ejecute `flask db upgrade`"
)
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


# The pages a link in a mail leads to (inventory_auth/web/pages): what they say besides their labels.
PAGE_ASK_TITLE = "Restablecer la contraseña"
PAGE_SENT_TITLE = "Revise su correo"
PAGE_RESET_TITLE = "Elija una contraseña nueva"
PAGE_RESET_SUBMIT = "Guardar la contraseña"
PAGE_ACTIVATION_TITLE = "Active su cuenta"
PAGE_ACTIVATION_SUBMIT = "Activar la cuenta"
PAGE_PASSWORDS_DIFFER = "Las dos contraseñas no coinciden; escríbala igual en ambos campos."
PAGE_RESET_DONE_TITLE = "Contraseña restablecida"
PAGE_ACTIVATION_DONE_TITLE = "Cuenta activada"
PAGE_RESET_NEXT = "Vuelva a la aplicación e ingrese con su nueva contraseña."
PAGE_ACTIVATION_NEXT = (
    "Ya puede ingresar desde la aplicación con su correo y la contraseña que eligió."
)
PAGE_ERRORS = {
    400: "La solicitud no es válida. Vuelva a abrir el enlace del correo.",
    404: "La página no existe.",
    405: "Esta página no acepta ese tipo de solicitud.",
    413: "El formulario enviado es demasiado grande.",
    415: "Envíe el formulario desde esta página.",
    429: "Demasiadas solicitudes desde su red. Espere unos minutos e intente de nuevo.",
    500: "Ocurrió un error inesperado. Intente de nuevo más tarde.",
    503: "El servicio está ocupado o no disponible. Intente de nuevo en unos segundos.",
}
