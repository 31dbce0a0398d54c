"""Where a line of the report may break, and where it may not. Pure text functions.

Word and LibreOffice break Chinese text between any two characters, so "2024年11月4日" can end
up as "2024年11" / "月4日"; GB/T 9704 writes a date solid, so its parts are tied together with
WORD JOINER (U+2060: zero width, no break on either side, kept out of PDF text).
"""

from __future__ import annotations

import re
import unicodedata

WORD_JOINER = "\u2060"

# 2024年11月4日, 2024年11月, 11月4日 (spaces a sender typed inside are dropped)
_DATE = re.compile(
    r"\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|(?<!\d)\d{1,2}\s*月\s*\d{1,2}\s*日"
)
_PARTS = re.compile(r"\d+|[年月日]")


def solid_dates(text: str) -> str:
    """Every date in `text` written solid and unbreakable."""
    if "月" not in text:
        return text
    return _DATE.sub(lambda m: WORD_JOINER.join(_PARTS.findall(m.group())), text)


def visible(text: str) -> str:
    """`text` as a reader sees it: without the zero-width characters that steer line breaks."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
