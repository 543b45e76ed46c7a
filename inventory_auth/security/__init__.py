"""The security policy in one place: password hashing, token rules, role checks."""
