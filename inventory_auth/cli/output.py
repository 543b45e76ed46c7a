"""What the command line prints: values from the database never reach a terminal raw.

A name or phone stored by another program (the previous backend accepted anything) may hold an
escape sequence that clears an operator's screen or forges a line, a bell, a carriage return, or
a bidirectional override that shows the rest of a line reversed. Every line the commands print
goes through `printable`, which writes each such character as its Python escape (`\\x1b`,
`\\u202e`) and leaves the rest, accents and ñ included, as it is.
"""

from __future__ import annotations

import click


def printable(text: str) -> str:
    """`text` with every character a terminal would not simply show (controls, format characters,
    separators other than the space) written as its escape."""
    if text.isprintable():
        return text
    return "".join(
        character if character.isprintable() else repr(character)[1:-1]
        for character in text
    )


def echo(line: str, *, err: bool = False) -> None:
    """click.echo of one line, made printable."""
    click.echo(printable(line), err=err)
