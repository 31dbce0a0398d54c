"""File names as data: kept losslessly in the ledger, shown safely to people.

A name need not be valid UTF-8 (a Windows share, an old zip, a USB stick): Python hands it over
with lone surrogates in place of the bytes it could not decode. SQLite text must be UTF-8, so
such a name is stored as its exact bytes (a BLOB; on Windows, where names are UTF-16, as WTF-8),
which give back exactly the same string; valid names are stored as text, as they always were.

A name is also shown to people (the console, JSON, workbooks): there undecodable parts become
U+FFFD and control characters (ESC, CR, OSC sequences, bidirectional overrides) are written as
visible escapes, so a crafted name cannot rewrite the screen.
"""

from __future__ import annotations

import os
import re

# C0 and C1 controls, DEL, and the bidirectional controls that reorder what follows them
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(m: re.Match[str]) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def shown(name: str) -> str:
    """`name` as a person may safely see it."""
    if name.isascii():
        return _UNSAFE.sub(_escape, name) if not name.isprintable() else name
    if _SURROGATE.search(name):
        name = _SURROGATE.sub("\ufffd", name)
    return _UNSAFE.sub(_escape, name)


_UNSAFE_TEXT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def printable(text: str) -> str:
    """Text for a console: like `shown`, but line breaks and tabs are kept."""
    if text.isascii() and (text.isprintable() or not _UNSAFE_TEXT.search(text)):
        return text
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    return _UNSAFE_TEXT.sub(_escape, text)


# POSIX names are bytes: the exact bytes are kept (what os.fsencode gives back). Windows names
# are UTF-16 that need not be valid: kept as WTF-8 ("surrogatepass").
_ERRORS = "surrogateescape" if os.name == "posix" else "surrogatepass"


def stored(name: str) -> str | bytes:
    """The value the ledger keeps for `name`: text when it is valid, else its exact bytes."""
    if name.isascii():
        return name
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return name.encode("utf-8", _ERRORS)


def unstored(value: str | bytes) -> str:
    """The name `stored` was given."""
    if isinstance(value, bytes):
        return value.decode("utf-8", _ERRORS)
    return value
