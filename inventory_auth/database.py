"""How a request uses the database beyond the ORM defaults.

A read-only request (GET, HEAD) has nothing to commit or roll back, so it reads on a connection in
autocommit mode: one round trip per query, where a transaction would add psycopg2's separate
`BEGIN` and the `ROLLBACK` when the session closes. Writes keep their transaction: a registration
or a password change is all or nothing.
"""

from flask import has_request_context, request

from .extensions import db

READ_ONLY_METHODS = frozenset({"GET", "HEAD"})


def read_without_transaction() -> None:
    """Call before the first query of a request; a no-op for requests that may write."""
    if has_request_context() and request.method in READ_ONLY_METHODS and not db.session().in_transaction():
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
