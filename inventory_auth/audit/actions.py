"""Every action this service writes to the audit trail, with its one fixed level.

Levels, as the audit screen counts them: `success` (something was granted or created), `info`
(routine changes), `warning` (refusals and changes that take access away), `error` (signs of an
attack). Rows of the rest of the inventory system carry actions of their own; the screen counts
those as `info`.
"""

# Authentication, by anyone
LOGIN = "login"
LOGIN_FAILED = "login_failed"
ACCOUNT_LOCKED = "account_locked"
REGISTER = "register"
PROFILE_UPDATE = "profile_update"
PASSWORD_CHANGE = "password_change"
PASSWORD_CHANGE_FAILED = "password_change_failed"
PASSWORD_RESET_REQUESTED = "password_reset_requested"
PASSWORD_RESET = "password_reset"
INVITATION_ACCEPTED = "invitation_accepted"
REFRESH_TOKEN_REUSE = "refresh_token_reuse"
LOGOUT = "logout"
LOGOUT_ALL = "logout_all"

# Administration, by an admin_general through /api/users or an operator through `flask users`
USER_CREATE = "user_create"
USER_UPDATE = "user_update"
USER_ROLE_CHANGE = "user_role_change"
USER_DEACTIVATE = "user_deactivate"
USER_ACTIVATE = "user_activate"
USER_SET_PASSWORD = "user_set_password"
USER_UNLOCK = "user_unlock"
USER_LOGOUT = "user_logout"
USER_INVITE = "user_invite"
USER_IMPORT = "user_import"

# Operators through `flask keys` and `flask services`
SIGNING_KEY_ROTATE = "signing_key_rotate"
SIGNING_KEY_RETIRE = "signing_key_retire"
SERVICE_CLIENT_CREATE = "service_client_create"
SERVICE_CLIENT_REVOKE = "service_client_revoke"

# The audit trail itself: old rows removed by `flask audit prune`
AUDIT_PRUNE = "audit_prune"

SUCCESS, INFO, WARNING, ERROR = "success", "info", "warning", "error"
LEVELS = (SUCCESS, INFO, WARNING, ERROR)

LEVEL = {
    LOGIN: SUCCESS,
    LOGIN_FAILED: WARNING,
    ACCOUNT_LOCKED: ERROR,
    REGISTER: SUCCESS,
    PROFILE_UPDATE: INFO,
    PASSWORD_CHANGE: SUCCESS,
    PASSWORD_CHANGE_FAILED: WARNING,
    PASSWORD_RESET_REQUESTED: INFO,
    PASSWORD_RESET: SUCCESS,
    INVITATION_ACCEPTED: SUCCESS,
    REFRESH_TOKEN_REUSE: ERROR,
    LOGOUT: INFO,
    LOGOUT_ALL: INFO,
    USER_CREATE: SUCCESS,
    USER_UPDATE: INFO,
    USER_ROLE_CHANGE: WARNING,
    USER_DEACTIVATE: WARNING,
    USER_ACTIVATE: SUCCESS,
    USER_SET_PASSWORD: WARNING,
    USER_UNLOCK: INFO,
    USER_LOGOUT: WARNING,
    USER_INVITE: INFO,
    SIGNING_KEY_ROTATE: INFO,
    SIGNING_KEY_RETIRE: WARNING,
    SERVICE_CLIENT_CREATE: SUCCESS,
    SERVICE_CLIENT_REVOKE: WARNING,
    USER_IMPORT: SUCCESS,
    AUDIT_PRUNE: WARNING,
}


def level(action: str) -> str:
    """The level of an action; actions written by other services count as info."""
    return LEVEL.get(action, INFO)
