"""The password policy, in the spirit of NIST SP 800-63B.

Length 8 to 128 characters (the schemas check it), no composition rules, and no password that is
easy to guess: a common word (Spanish list in common_passwords_es.txt) even dressed with digits and
symbols is refused; zxcvbn estimates the guesses needed, fed with that list and with the user's own
name and email, and the estimate must reach `PASSWORD_MIN_SCORE` (0-4, default 2: at least 10^6
guesses, which online guessing cannot reach under the lockout; 3 would refuse every 8-character
password, even a random one). A password that contains the user's name or email is refused
outright.

The checks run cheapest first (personal words, the common list, then zxcvbn), all on the
password as it will be stored: in Unicode NFKC form (see passwords.normalize). While
PASSWORD_HASH_METHOD is bcrypt (the way back to the previous backend), which hashes the password
as typed and reads only its first 72 bytes, a longer one is refused before anything else.

zxcvbn's cost grows with the square of the length times the number of look-alike substitution
tables it tries (`4` for `a`, `(` `{` `[` `<` for `c`, ...: up to 736 tables when every look-alike
character is present), and a 64-character password of look-alikes cost over 2 CPU-seconds. So
zxcvbn sees the longest prefix, at most 64 characters, whose work (length² × tables) fits
ZXCVBN_WORK_BUDGET, which bounds any password's check to a fraction of one password hash (see
docs/security.md and `python -m bench.password_cost`). A prefix is never shorter than 11
characters (736 tables × 11² fits the budget), and judging a prefix can only make the judgement
stricter: a weak start is refused whatever follows.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

from zxcvbn import matching, zxcvbn

from ..config import settings
from .passwords import BCRYPT, BCRYPT_MAX_BYTES, normalize

# zxcvbn grows costly with length: it sees at most the first 64 characters, and fewer when they
# hold many look-alike characters (length² × substitution tables <= the budget).
ZXCVBN_MAX_LENGTH = 64
ZXCVBN_WORK_BUDGET = 64 * 64 * 24
LOOK_ALIKES = frozenset(char for chars in matching.L33T_TABLE.values() for char in chars)

# What `problems` reports; the API's Spanish texts and the command line's English ones say them.
TOO_COMMON = "too_common"
CONTAINS_PERSONAL = "contains_personal"
# While PASSWORD_HASH_METHOD is bcrypt (the way back), which reads only the first 72 bytes.
TOO_LONG_FOR_BCRYPT = "too_long_for_bcrypt"


@lru_cache(maxsize=1)
def common_words() -> tuple[str, ...]:
    text = resources.files(__package__).joinpath("common_passwords_es.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def _common_set() -> frozenset[str]:
    return frozenset(common_words())


@lru_cache(maxsize=64)
def substitution_tables(look_alikes: frozenset[str]) -> int:
    """How many look-alike substitution tables zxcvbn tries for a password holding these."""
    subtable = matching.relevant_l33t_subtable("".join(sorted(look_alikes)), matching.L33T_TABLE)
    return len(matching.enumerate_l33t_subs(subtable))


def zxcvbn_input(password: str) -> str:
    """The longest prefix of `password` (at most ZXCVBN_MAX_LENGTH characters) whose zxcvbn work,
    length² × substitution tables, fits ZXCVBN_WORK_BUDGET."""
    seen: set[str] = set()
    tables = 1
    end = 0
    for position, char in enumerate(password[:ZXCVBN_MAX_LENGTH], start=1):
        if char in LOOK_ALIKES and char not in seen:
            seen.add(char)
            tables = substitution_tables(frozenset(seen))
        if tables * position * position > ZXCVBN_WORK_BUDGET:
            break
        end = position
    return password[:end]


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
    if (settings().PASSWORD_HASH_METHOD == BCRYPT
            and len(password.encode()) > BCRYPT_MAX_BYTES):
        return [TOO_LONG_FOR_BCRYPT]  # as typed: that is what bcrypt hashes then
    password = normalize(password)
    personal = personal_words(email, first_name, last_name)
    folded = _fold(password)
    if any(word in folded for word in personal if len(word) >= 4):
        return [CONTAINS_PERSONAL]
    # A common word dressed with digits and symbols (`Sena2024!`, `Colombia123*`) is still common.
    if folded in _common_set() or re.sub(r"[^a-z]", "", folded) in _common_set():
        return [TOO_COMMON]
    estimate = zxcvbn(
        zxcvbn_input(password),
        user_inputs=[*personal, *common_words()],
        max_length=ZXCVBN_MAX_LENGTH,
    )
    if estimate["score"] < settings().PASSWORD_MIN_SCORE:
        return [TOO_COMMON]
    return []
