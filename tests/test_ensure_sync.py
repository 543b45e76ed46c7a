"""The service's `ensure_sync` answers as Flask's: a plain function itself, anything else Flask's way."""

import functools

import pytest
from flask import Flask

from inventory_auth.web.application import ServiceFlask


def plain():
    return 1


async def coroutine():
    return 1


class Unhashable:
    __hash__ = None

    def __call__(self):
        return 1


class Holder:
    def method(self):
        return 1

    async def async_method(self):
        return 1


def flask_answer(func):
    try:
        return ("answer", Flask.ensure_sync(Flask(__name__), func) is func)
    except RuntimeError as error:  # async support not installed
        return ("error", str(error))


def service_answer(app, func):
    try:
        return ("answer", app.ensure_sync(func) is func)
    except RuntimeError as error:
        return ("error", str(error))


holder = Holder()
CALLABLES = [plain, coroutine, Unhashable(), holder.method, holder.async_method,
             functools.partial(plain), functools.partial(coroutine), lambda: 1]


@pytest.mark.parametrize("func", CALLABLES)
def test_same_answer_as_flask_every_time(func):
    app = ServiceFlask(__name__)
    expected = flask_answer(func)
    assert [service_answer(app, func) for _ in range(3)] == [expected] * 3


def test_only_plain_functions_are_remembered():
    app = ServiceFlask(__name__)
    for func in CALLABLES:
        service_answer(app, func)
    assert app._plain_functions == {plain, holder.method, CALLABLES[5], CALLABLES[-1]}
    assert all(app.ensure_sync(func) is func for func in app._plain_functions)


def test_the_service_app_is_this_class(app):
    assert isinstance(app, ServiceFlask)
