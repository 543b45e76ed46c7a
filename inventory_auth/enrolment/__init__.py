"""Enrolling a whole ficha from its spreadsheet: reading the file (reading.py), knowing its
columns (columns.py), checking its rows with the rules of every account (rows.py), and creating
or updating the accounts, all or nothing (importer.py). Shared by `POST /api/users/import` and
`flask users import`; nothing here commits."""

from .importer import ON_EXISTING, SKIP, UPDATE, Report, import_accounts, send_invitations

__all__ = ["ON_EXISTING", "SKIP", "UPDATE", "Report", "import_accounts", "send_invitations"]
