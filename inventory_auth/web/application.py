"""The service's Flask class: Flask's, with `ensure_sync`'s answer kept per plain function.

Flask asks `ensure_sync` about every hook and the view on every request (flask-jwt-extended and
flask-smorest ask again for the view they wrap), and each answer is an
`inspect.iscoroutinefunction` check of the same few functions. A plain `def` gets itself back; here
the functions that did are remembered and get themselves back at once. Coroutine functions (and
anything unhashable) are asked about each time, as Flask does.
"""

from __future__ import annotations

from flask import Flask

# Enough for every hook, view and wrapper of the service; past it, functions are only asked about.
KEEP_AT_MOST = 4096


class ServiceFlask(Flask):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._plain_functions: set = set()

    def ensure_sync(self, func):
        try:
            if func in self._plain_functions:
                return func
        except TypeError:  # unhashable: Flask's answer, not kept
            return super().ensure_sync(func)
        answer = super().ensure_sync(func)
        if answer is func and len(self._plain_functions) < KEEP_AT_MOST:
            self._plain_functions.add(func)
        return answer
