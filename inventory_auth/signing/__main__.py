"""`python -m inventory_auth.signing ALGORITHM PATH`: write a new private key for JWT_PRIVATE_KEY_FILE.

A plain script rather than a `flask` command: in production the service (and so the `flask`
command) refuses to start with an asymmetric ALGORITHM until that file exists.
"""

import os
import sys

from .material import ASYMMETRIC_ALGORITHMS, generate, private_pem


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ASYMMETRIC_ALGORITHMS:
        print(f"usage: python -m inventory_auth.signing {{{','.join(ASYMMETRIC_ALGORITHMS)}}} PATH",
              file=sys.stderr)
        return 2
    algorithm, path = argv
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        print(f"Error: cannot create {path}: {error.strerror}", file=sys.stderr)
        return 1
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_pem(generate(algorithm)))
    print(f"wrote a new {algorithm} private key to {path} (readable by its owner only)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
