"""The password policy, in the spirit of NIST SP 800-63B.

Length 8 to 128 characters (the schemas check it), no composition rules, and no password that is
easy to guess: a common word (Spanish list in common_passwords_es.txt) even dressed with digits and
symbols is refused; zxcvbn estimates the guesses needed, fed with that list and with the user's own
name and email, and the estimate must reach `PASSWORD_MIN_SCORE` (0-4, default 2: at least 10^6
guesses, which online guessing cannot reach under the lockout; 3 would refuse every 8-character
password, even a random one). A password that contains the user's name or email is refused
outright.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

from flask import current_app
from zxcvbn import zxcvbn

# zxcvbn grows costly with length; a password is judged on its first 64 characters (which can
# only make the judgement stricter: a weak start is refused whatever follows).
ZXCVBN_MAX_LENGTH = 64

# What `problems` reports; the API's Spanish texts and the command line's English ones say them.
TOO_COMMON = "too_common"
CONTAINS_PERSONAL = "contains_personal"


@lru_cache(maxsize=1)
def common_words() -> tuple[str, ...]:
    text = resources.files(__package__).joinpath("common_passwords_es.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _fold(text: str) -> str:
    """Lower case, accents removed, only letters and digits: `José.Pérez` becomes `joseperez`."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in decomposed if not unicodedata.combining(c)))


def personal_words(email: str | None = None, first_name: str | None = None, last_name: str | None = None):
    """The user's own words: the email's local part (the domain is shared by a whole centre) and
    names, whole and in pieces."""
    words = []
    if email:
        local = email.partition("@")[0]
        words += [local, *re.split(r"[._+\-]", local)]
    for name in (first_name, last_name):
        if name:
            words += [name, *name.split()]
    return [w for w in dict.fromkeys(_fold(word) for word in words) if len(w) >= 3]


def problems(password: str, *, email=None, first_name=None, last_name=None) -> list[str]:
    """What is wrong with `password` for this user, as problem codes (empty when acceptable)."""
    personal = personal_words(email, first_name, last_name)
    folded = _fold(password)
    if any(word in folded for word in personal if len(word) >= 4):
        return [CONTAINS_PERSONAL]
    # A common word dressed with digits and symbols (`Sena2024!`, `Colombia123*`) is still common.
    if folded in common_words() or re.sub(r"[^a-z]", "", folded) in common_words():
        return [TOO_COMMON]
    estimate = zxcvbn(
        password[:ZXCVBN_MAX_LENGTH],
        user_inputs=[*personal, *common_words()],
        max_length=ZXCVBN_MAX_LENGTH,
    )
    if estimate["score"] < current_app.config["PASSWORD_MIN_SCORE"]:
        return [TOO_COMMON]
    return []
