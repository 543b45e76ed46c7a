"""Where a request's transaction ends: committed, or rolled back, in one place.

`commits` wraps a view (the innermost decorator, so the answer is serialized after the commit):
the view's domain call either returns, and the transaction commits; or raises a
`RecordedRefusal` (a failed login, a wrong current password, a reused refresh token), and the
transaction commits what that refusal recorded before the error is answered; or raises anything
else, and the transaction is rolled back. `committed()` is the same as a `with` block, for views
that go on after the commit (the pages render their answer from the outcome).

This is the commit rule's web half: the view commits, the layers below never do.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from ..exceptions import RecordedRefusal
from ..extensions import db


@contextmanager
def committed() -> Iterator[None]:
    """Commit on leaving the block, also when it raises a RecordedRefusal; roll back otherwise."""
    try:
        yield
    except RecordedRefusal:
        db.session.commit()
        raise
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


def commits(view):
    """A view whose transaction `committed()` ends."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        with committed():
            return view(*args, **kwargs)

    return wrapper
