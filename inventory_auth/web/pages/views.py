"""The pages' views: parse the form, call the domain, commit, render.

`GET /restablecer-contrasena` without a token asks for an email; with one, checks it and shows
the new-password form (or the bad-link page). `POST` with `email` asks for a link (the same
answer whatever the email, the per-address limit shared with the API's request); with `token`,
sets the password. `/activar-cuenta` is the same for an invitation, without the email form
(a person whose invitation expired asks for a reset link, which sets the first password too).
Every answer is a page; POSTs answer directly, without a redirect.
"""

from __future__ import annotations

from flask import render_template, request
from flask_limiter.util import get_remote_address
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from ...accounts import password_reset
from ...config import ACTIVATION_PAGE, RESET_PAGE
from ...exceptions import WeakPassword
from ...extensions import db, limiter
from ...security import failure_budget
from .. import messages
from ..auth.password_reset_views import CONFIRM_LIMIT_SCOPE, REQUEST_LIMIT_SCOPE
from ..rate_limits import configured_limit
from ..transaction import committed
from . import bp
from .flows import ACTIVATION, PASSWORD_FIELD, RESET, Flow
from .forms import FORM_TYPE, AskLinkForm, NewPasswordForm, as_input, errors_of, posted_form, token_from


def page(template: str, status: int = 200, **context):
    return render_template(f"pages/{template}", **context), status


def bad_link(flow: Flow):
    return page("bad_link.html", 400, flow=flow, title=flow.invalid_text)


def password_form(flow: Flow, token: str, email: str, status: int = 200, errors=None):
    return page("set_password.html", status, flow=flow, title=flow.title, token=token, email=email,
                errors=errors or {})


def form_again(flow: Flow, token: str, errors: dict):
    """The form with its errors (422), while the link still works; else the bad-link page."""
    try:
        user = flow.check(token)
    except flow.invalid:
        return bad_link(flow)
    return password_form(flow, token, user.email, 422, errors)


def show_form(flow: Flow, values: list[str]):
    """GET with `?token=`: the form, only for a token that can still be used."""
    token = token_from(values)
    if token is None:
        return bad_link(flow)
    try:
        user = flow.check(token)
    except flow.invalid:
        return bad_link(flow)
    return password_form(flow, token, user.email)


def set_password(flow: Flow, form):
    """POST with `token`: the new password, through the flow's domain function. A bad link or a
    password the policy refuses spends the address's failure budget, as on the API."""
    address = get_remote_address()
    failure_budget.check(address)
    token = token_from(form.getlist("token"))
    if token is None:
        return bad_link(flow)
    try:
        data = NewPasswordForm().load({key: value for key, value in as_input(form).items() if key != "token"})
    except ValidationError as error:
        return form_again(flow, token, errors_of(error))  # a link that cannot work gets no form
    try:
        with committed():  # rolled back on a refusal
            flow.accept(token, data["password"])
    except flow.invalid:
        failure_budget.spend(address)
        return bad_link(flow)
    except WeakPassword as weak:
        failure_budget.spend(address)
        problems = [messages.PASSWORD_PROBLEMS[code] for code in weak.problems]
        return form_again(flow, token, {PASSWORD_FIELD: problems})
    return page("done.html", flow=flow, title=flow.done_title)


def asks_for_a_link() -> bool:
    """Whether this POST asks for a reset link (the limited kind), rather than sets a password.

    Never raises: Flask-Limiter would take an exception here for its storage failing. A form it
    cannot read (413) counts, and the view then answers its error page."""
    try:
        return request.mimetype == FORM_TYPE and "token" not in request.form
    except HTTPException:
        return True


@bp.get(RESET_PAGE)
def reset_password():
    values = request.args.getlist("token")
    if not values:
        return page("ask_link.html", title=messages.PAGE_ASK_TITLE, errors={}, email="")
    return show_form(RESET, values)


@bp.post(RESET_PAGE)
@limiter.shared_limit(
    configured_limit("PASSWORD_RESET_RATE_LIMIT"),
    scope=REQUEST_LIMIT_SCOPE,
    exempt_when=lambda: not asks_for_a_link(),
)
@limiter.shared_limit(
    configured_limit("PASSWORD_RESET_CONFIRM_RATE_LIMIT"),
    scope=CONFIRM_LIMIT_SCOPE,
    exempt_when=asks_for_a_link,
)
def reset_password_post():
    form = posted_form()
    if "token" in form:
        return set_password(RESET, form)
    fields = as_input(form)
    try:
        data = AskLinkForm().load(fields)
    except ValidationError as error:
        typed = fields.get("email") if isinstance(fields.get("email"), str) else ""
        return page("ask_link.html", 422, title=messages.PAGE_ASK_TITLE, errors=errors_of(error), email=typed)
    pending = password_reset.request(data["email"])
    db.session.commit()
    password_reset.send(pending)
    return page("link_sent.html", title=messages.PAGE_SENT_TITLE, text=messages.PASSWORD_RESET_REQUESTED)


@bp.get(ACTIVATION_PAGE)
def activate_account():
    return show_form(ACTIVATION, request.args.getlist("token"))


@bp.post(ACTIVATION_PAGE)
@limiter.shared_limit(configured_limit("PASSWORD_RESET_CONFIRM_RATE_LIMIT"), scope=CONFIRM_LIMIT_SCOPE)
def activate_account_post():
    return set_password(ACTIVATION, posted_form())
