"""Password security: hashing (`passwords.py`), the password policy (`password_policy.py`) and the
per-account lockout against guessing (`lockout.py`). Tokens and sessions are `sessions/`."""
