"""`bp.errors` and `bp.bearer` document and add nothing that runs: the view they return is the view
they were given, carrying the documentation flask-smorest's own decorators would have given it."""

from __future__ import annotations

from inventory_auth.web.blueprint import Blueprint
from inventory_auth.web.openapi import BEARER_SCHEME

bp = Blueprint("decorators_under_test", __name__)


def view(answer=1, *, extra=2):
    """Resumen.

    Descripción."""
    return answer + extra


def documented_by_flask_smorest():
    func = bp.alt_response(404, response="NOT_FOUND")(view)
    for status in (401, 503):
        func = bp.alt_response(status, response=status_name(status))(func)
    return bp.doc(security=[{BEARER_SCHEME: []}])(func)


def status_name(status):
    return {401: "UNAUTHORIZED", 503: "SERVICE_UNAVAILABLE"}[status]


def test_the_documentation_is_flask_smorests():
    ours = bp.bearer(bp.errors(404)(view))
    assert ours._apidoc == documented_by_flask_smorest()._apidoc


def test_the_view_runs_as_given_with_no_layer_around_it():
    ours = bp.bearer(bp.errors(404)(view))
    assert ours.__code__ is view.__code__ and not hasattr(ours, "__wrapped__")
    assert (ours.__name__, ours.__qualname__, ours.__doc__, ours.__module__) == (
        view.__name__, view.__qualname__, view.__doc__, view.__module__)
    assert ours() == 3 and ours(5, extra=1) == 6


def test_the_given_view_is_left_unchanged():
    bp.bearer(bp.errors(404)(view))
    assert not hasattr(view, "_apidoc")


def test_get_me_runs_under_one_layer(app):
    """jwt_required's: the documentation added none."""
    layers, func = 0, app.view_functions["auth.get_me"]
    while hasattr(func, "__wrapped__"):
        layers, func = layers + 1, func.__wrapped__
    assert layers == 1 and func.__name__ == "get_me"


def test_built_response_documents_as_response_does():
    from inventory_auth.web.auth.schemas import UserSchema

    schema = UserSchema()
    ours = bp.built_response(200, schema)(view)
    assert ours._apidoc == bp.response(200, schema)(view)._apidoc
    assert ours.__code__ is view.__code__ and not hasattr(ours, "__wrapped__")
    assert not hasattr(view, "_apidoc")


def test_a_built_response_passes_the_response_layer_unchanged(app):
    """What `response`'s layer does with the finished Response a view returns: hands it on as is."""
    from flask import jsonify

    from inventory_auth.web.auth.schemas import UserSchema

    with app.test_request_context():
        built = jsonify({"id": "x", "ñ": 1})
        answer = bp.response(200, UserSchema)(lambda: built)()
        assert answer is built and answer.status_code == 200
        assert list(answer.headers.items()) == [("Content-Type", "application/json"),
                                                ("Content-Length", str(len(built.get_data())))]
