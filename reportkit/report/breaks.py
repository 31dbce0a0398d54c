"""Where a line of the report may break, and where it may not. Pure text functions.

Word and LibreOffice break Chinese text between any two characters, so "2024年11月4日" can end
up as "2024年11" / "月4日"; GB/T 9704 writes a date solid, so its parts are tied together with
WORD JOINER (U+2060: zero width, no break on either side, kept out of PDF text). LibreOffice
honours it only where it breaks by the Unicode rules (ICU); for a character whose language is
Chinese it uses its own CJK breaker, which knows nothing but its lists of characters that may
not begin or end a line — so the writer also marks a date's run as not Chinese (`split_dates`).

The opposite case: LibreOffice breaks lines by the rules of UAX #14 version 5 (its
i18npool line.txt), whose rule 30 forbids a break between closing punctuation and a letter or
digit — between "、" and "85.71%" or "，" and "13053833566". A run of figures joined by 、 is then
one unbreakable block, and the line before it is justified across the gap it leaves, character
by character ("本 单 位 联 络 人 ："). Word breaks there; ZERO WIDTH SPACE (U+200B) after such a
mark gives LibreOffice the same break.
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
    return "".join(piece for piece, _ in split_dates(text))


def split_dates(text: str) -> list[tuple[str, bool]]:
    """`text` in pieces, each a date written solid (True) or the text between (False)."""
    if "月" not in text:
        return [(text, False)]
    out: list[tuple[str, bool]] = []
    at = 0
    for m in _DATE.finditer(text):
        if m.start() > at:
            out.append((text[at : m.start()], False))
        out.append((WORD_JOINER.join(_PARTS.findall(m.group())), True))
        at = m.end()
    if at < len(text) or not out:
        out.append((text[at:], False))
    return out


ZERO_WIDTH_SPACE = "\u200b"
# closing punctuation of UAX #14 class CL that Chinese text puts before a figure or a name;
# not 〕, which closes the year of a 文号 (〔2024〕25号 is never broken)
_CLOSING = re.compile(r"([、。，．）】》〉」』〗］｝])(?=[0-9A-Za-z])")


def breakable(text: str) -> str:
    """A break allowed after 、，。）… where a figure or Latin text follows."""
    return _CLOSING.sub("\\1" + ZERO_WIDTH_SPACE, text)


def visible(text: str) -> str:
    """`text` as a reader sees it: without the zero-width characters that steer line breaks."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
