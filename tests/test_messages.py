"""The catalogue of user-visible text: every message in it is used, every one used is in it."""

from __future__ import annotations

import re
from pathlib import Path

from reportkit.messages import MESSAGES

PACKAGE = Path(__file__).resolve().parents[1] / "reportkit"
# a catalogue key written as a string literal: "calendar.need_line", "value.normalized.hint_date"
KEY = re.compile(r"""["']([a-z_]+(?:\.[a-z_0-9]+)+)["']""")
# the calls that look a message up by its key (msg, the readers' and intake's issue helpers)
CALL = re.compile(
    r"""\b(?:msg|issue|_note|note|_issue|add)\(\s*["']([a-z_]+(?:\.[a-z_0-9]+)+)["']"""
)


def sources() -> str:
    return "\n".join(p.read_text("utf-8") for p in PACKAGE.rglob("*.py") if p.name != "messages.py")


def test_every_message_in_the_catalogue_is_used():
    code = sources()
    literals = set(KEY.findall(code))
    # a validation issue's hint is looked up as "<its code>.hint"
    unused = [
        k
        for k in MESSAGES
        if k not in literals and not (k.endswith(".hint") and k.removesuffix(".hint") in literals)
    ]
    assert not unused, f"messages no code uses (remove them): {unused}"


def test_every_message_looked_up_is_in_the_catalogue():
    missing = sorted({k for k in CALL.findall(sources()) if k not in MESSAGES})
    assert not missing, f"looked up but not in the catalogue: {missing}"
