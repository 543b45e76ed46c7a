"""What one password-policy check and one failed password check cost at worst, against one hash.

Builds the most expensive passwords we know how to construct for the policy (zxcvbn's look-alike
substitutions, long repeats, sequences, keyboard walks, dates, mixed scripts, characters that grow
under Unicode normalization; 8 to 128 characters, the lengths the schemas accept), measures the
CPU time (`time.process_time`) of `password_policy.problems()` on each, the best of `--repeat`
runs, and compares the worst and the median with one `hash_password` in the production method.
Then the CPU of one failed password check (`passwords.verify` with a wrong password, and
`burn_verify` for an unknown email) for passwords that Unicode normalization leaves alone,
changes (full-width characters, decomposed accents) or expands 18-fold, against an account on the
production method and one still on the previous backend's bcrypt (cost `LEGACY_BCRYPT_ROUNDS`,
12): the most CPU one unauthenticated request can spend on password checks.

    .venv/bin/python -m bench.password_cost [--repeat 3] [--write]

`--write` replaces the tables in docs/benchmarks.md between their password-cost markers.
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import string
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_METHOD = "pbkdf2:sha256:600000"
# Every character zxcvbn reads as a look-alike of a letter (its L33T_TABLE), most ambiguous first.
LOOK_ALIKES = "({[<1|7!4@6935$+8%20"
MAX_LENGTH = 128


def _cycle(text: str, length: int) -> str:
    return (text * (length // len(text) + 1))[:length]


def worst_inputs() -> dict[str, str]:
    """name -> password. Deterministic (seeded), so reruns compare like with like."""
    rng = random.Random(14)
    shuffled = "".join(rng.sample(LOOK_ALIKES, len(LOOK_ALIKES)))
    inputs = {
        "look-alikes, 64, cycled": _cycle("4@8({[<369!1|0$5+7%2", 64),
        "look-alikes, 128, cycled": _cycle("4@8({[<369!1|0$5+7%2", MAX_LENGTH),
        "look-alikes, 128, ambiguous first": _cycle(LOOK_ALIKES, MAX_LENGTH),
        "look-alikes, 128, random order": "".join(rng.choice(LOOK_ALIKES) for _ in range(MAX_LENGTH)),
        "look-alikes, 128, shuffled cycle": _cycle(shuffled, MAX_LENGTH),
        "look-alikes in words, 128": _cycle("p@$$w0rd c0ntr4s3ñ4 1nv3nt4r10 ", MAX_LENGTH),
        "look-alikes + letters, 128": _cycle("a4@b8c({[<e3g69i1!|l7o0s$5t+x%z2", MAX_LENGTH),
        "one character, 128": "a" * MAX_LENGTH,
        "two characters, 128": _cycle("ab", MAX_LENGTH),
        "nested repeats, 128": _cycle("abcabcabd", MAX_LENGTH),
        "repeated word, 128": _cycle("contraseña", MAX_LENGTH),
        "alphabet sequence, 128": _cycle(string.ascii_lowercase, MAX_LENGTH),
        "digit sequence, 128": _cycle(string.digits, MAX_LENGTH),
        "keyboard walk, 128": _cycle("qwertyuiopasdfghjklzxcvbnm", MAX_LENGTH),
        "keyboard columns, 128": _cycle("1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/", MAX_LENGTH),
        "dates, 128": _cycle("19900101", MAX_LENGTH),
        "dictionary words, 128": _cycle("password iloveyou princess dragon ", MAX_LENGTH),
        "printable random, 128": "".join(rng.choice(string.printable[:94]) for _ in range(MAX_LENGTH)),
        "mixed scripts, 128": _cycle("пароль密码كلمةαβγ😀ñ", MAX_LENGTH),
        "fullwidth look-alikes, 128": _cycle("４＠８（｛［＜３６９！１｜０＄５＋７％２", MAX_LENGTH),
        "combining marks, 128": _cycle("e\u0301a\u0308o\u0303", MAX_LENGTH),
        # One code point that NFKC expands to 18 characters: 128 of them become 2,304.
        "NFKC expansion, 128": "\ufdfa" * MAX_LENGTH,
    }
    for name, password in inputs.items():
        assert 8 <= len(password) <= MAX_LENGTH, name
    return inputs


def cpu_seconds(function, repeat: int, before=lambda: None) -> float:
    """Best of `repeat` runs of `function()`, in CPU seconds of this process (`before()` runs
    untimed before each)."""
    best = float("inf")
    for _ in range(repeat):
        before()
        start = time.process_time()
        function()
        best = min(best, time.process_time() - start)
    return best


def measure(repeat: int, method: str = PRODUCTION_METHOD) -> tuple[float, dict[str, float]]:
    from inventory_auth import create_app
    from inventory_auth.security import password_policy, passwords

    app = create_app(environ={"APP_ENV": "testing", "SECRET_KEY": "x" * 48,
                              "DATABASE_URL": "sqlite://", "PASSWORD_HASH_METHOD": method})
    with app.app_context():
        hash_cost = cpu_seconds(lambda: passwords.hash_password("Frase de referencia 8"), repeat)
        costs = {}
        for name, password in worst_inputs().items():
            # Uncached each time: an attacker can vary the look-alikes to miss the cache.
            costs[name] = cpu_seconds(lambda p=password: password_policy.problems(
                p, email="ana.perez@sena.edu.co", first_name="Ana", last_name="Pérez"), repeat,
                before=password_policy.substitution_tables.cache_clear)
    return hash_cost, costs


WRONG_PASSWORDS = {
    "ASCII": "Clave equivocada del inventario 2026",
    "full-width (NFKC changes it)": "Ｃｌａｖｅ ｅｑｕｉｖｏｃａｄａ ２０２６",
    "decomposed accents (NFKC changes it)": "Contrasen\u0303a equivocada 2026",
    "NFKC expansion, 128": "\ufdfa" * MAX_LENGTH,
}


def verification_costs(repeat: int, method: str = PRODUCTION_METHOD,
                       legacy_rounds: int = 12) -> tuple[float, dict[str, float]]:
    """(one hash, {case: CPU seconds of one failed check}), best of `repeat`."""
    import bcrypt

    from inventory_auth import create_app
    from inventory_auth.security import passwords

    app = create_app(environ={"APP_ENV": "testing", "SECRET_KEY": "x" * 48, "DATABASE_URL": "sqlite://",
                              "PASSWORD_HASH_METHOD": method, "LEGACY_BCRYPT_ROUNDS": str(legacy_rounds)})
    right = "Frase de referencia 8"
    with app.app_context():
        passwords.warm_up(method, legacy_rounds)
        hash_cost = cpu_seconds(lambda: passwords.hash_password(right), repeat)
        legacy = bcrypt.hashpw(right.encode(), bcrypt.gensalt(legacy_rounds)).decode()
        stored = {"current method": passwords.hash_password(right), "previous backend's bcrypt": legacy}
        costs = {}
        for name, wrong in WRONG_PASSWORDS.items():
            for account, value in stored.items():
                costs[f"{name}, account on the {account}"] = cpu_seconds(
                    lambda w=wrong, v=value: passwords.verify(w, v), repeat)
            costs[f"{name}, unknown email"] = cpu_seconds(lambda w=wrong: passwords.burn_verify(w), repeat)
    return hash_cost, costs


def verification_table(hash_cost: float, costs: dict[str, float]) -> str:
    rows = ["| wrong password | CPU ms | × one hash |", "|---|---|---|"]
    for name, cost in costs.items():
        rows.append(f"| {name} | {cost * 1000:.1f} | {cost / hash_cost:.2f} |")
    worst = max(costs.values())
    least = min(costs.values())
    rows += [
        "",
        f"One `hash_password` ({PRODUCTION_METHOD}): {hash_cost * 1000:.1f} ms of CPU. A failed check: "
        f"{least * 1000:.1f} to {worst * 1000:.1f} ms (the current method's check and one bcrypt check "
        f"at LEGACY_BCRYPT_ROUNDS=12, whatever the password).",
    ]
    return "\n".join(rows)


def table(hash_cost: float, costs: dict[str, float]) -> str:
    rows = ["| input | CPU ms | × one hash |", "|---|---|---|"]
    for name, cost in sorted(costs.items(), key=lambda item: -item[1]):
        rows.append(f"| {name} | {cost * 1000:.1f} | {cost / hash_cost:.2f} |")
    worst = max(costs.values())
    median = statistics.median(costs.values())
    rows += [
        "",
        f"One `hash_password` ({PRODUCTION_METHOD}): {hash_cost * 1000:.1f} ms of CPU.",
        f"`problems()` worst: {worst * 1000:.1f} ms ({worst / hash_cost:.2f} × one hash); "
        f"median: {median * 1000:.1f} ms ({median / hash_cost:.2f} ×).",
    ]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each input; the best counts")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    hash_cost, costs = measure(args.repeat)
    report = table(hash_cost, costs)
    print(report)
    verify_report = verification_table(*verification_costs(args.repeat))
    print()
    print(verify_report)
    if args.write:
        stamp = (f"Measured {datetime.date.today().isoformat()} with "
                 f"`python -m bench.password_cost --repeat {args.repeat}` (best of {args.repeat}).\n\n")
        write_between("password-cost", stamp + report)
        write_between("verify-cost", stamp + verify_report)


def write_between(marker: str, content: str) -> None:
    doc = ROOT / "docs" / "benchmarks.md"
    text = doc.read_text()
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    head, rest = text.split(begin)
    _, tail = rest.split(end)
    doc.write_text(f"{head}{begin}\n{content}\n{end}{tail}")


if __name__ == "__main__":
    main()
