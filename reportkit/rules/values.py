"""Parse one raw cell value against its field: counts, money, rates, dates, phones, e-mail, text.

`parse_value` never raises: whatever a reader hands over (text typed into number cells, full-width
digits, units, NaN, 40,000 characters of pasted text, an object nobody expected) comes back as a
`Parsed` value, with at most one issue code describing what was wrong or what was corrected.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import reprlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from reportkit.issues import ERROR, severity_of
from reportkit.messages import msg
from reportkit.model.campaign import FieldDef
from reportkit.model.submission import Value

MAX_NUMBER = 10**9
MAX_TEXT = 500
QUOTE_LEN = 20
MONEY_PLACES = Decimal("0.0001")  # 万元 with 4 places: 1 元
EXCEL_EPOCH = dt.date(1899, 12, 30)
SERIAL_MIN, SERIAL_MAX = 20000, 80000  # Excel date serials 1954-10-03 .. 2119-01-10
YEAR_MIN, YEAR_MAX = 1900, 2100

# Units a clerk may append to a number; one that is not the column's is a wrong unit.
KNOWN_UNITS = frozenset(
    [
        "家",
        "项",
        "件",
        "次",
        "个",
        "人",
        "起",
        "户",
        "所",
        "条",
        "元",
        "万元",
        "千元",
        "亿元",
        "万",
        "%",
        "‰",
        "人次",
        "家次",
        "批",
        "宗",
        "例",
        "处",
        "台",
        "张",
        "份",
        "本",
        "天",
        "日",
        "月",
        "年",
    ]
)
_UNIT_ALIASES = {"万元": ("万元", "万")}

_NUMBER = re.compile(
    r"(?P<num>[+-]?(?:[0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+))\s*(?P<suffix>.*)", re.DOTALL
)
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")
_DATE = re.compile(
    r"(?P<y>[0-9]{4})\s*[-/.年]\s*(?P<m>[0-9]{1,2})\s*[-/.月]\s*(?P<d>[0-9]{1,2})\s*[日号]?"
    r"(?:[ T]+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
)
_COMPACT_DATE = re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})")
_SERIAL = re.compile(r"[0-9]{5}(?:\.[0-9]+)?")
# Control characters other than tab and newline, lone surrogates, zero-width space, BOM.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u200b\ufeff]")
_PHONE_LIST_SEP = re.compile(r"[、,;/]")
_PHONE_INNER = re.compile(r"[\s\-()]")
_PHONE_EXT = re.compile(r"(?:转|分机|ext\.?|-)\s*[0-9]{1,6}$", re.IGNORECASE)
_PHONE = re.compile(
    r"1[3-9][0-9]{9}"  # mobile
    r"|(?:010|02[0-9]|0[3-9][0-9]{2})[2-9][0-9]{6,7}"  # landline with area code
    r"|[2-9][0-9]{6,7}"  # landline without
    r"|[48]00[0-9]{7}"  # 400 / 800 service numbers
)
_EMAIL = re.compile(r"[^@\s]+@(?:[^@\s.]+\.)+[^@\s.]+")
_STEP_SEP = "；"


@dataclass(frozen=True)
class Parsed:
    """A parsed value and at most one issue: code, severity and what happened (Chinese)."""

    value: Value
    issue_code: str | None = None
    severity: str | None = None
    detail: str | None = None

    @property
    def ok(self) -> bool:
        """No error: the value (possibly None, possibly corrected) can be used."""
        return self.severity != ERROR


EMPTY = Parsed(None)


def parse_value(raw: object, field: FieldDef) -> Parsed:
    """Parse `raw` (what a reader found in the cell) as a value of `field`. Never raises."""
    try:
        # The common case first: a plain number (a float from the spreadsheet parser) in a
        # number cell, in range and already as precise as the field keeps. Everything else, and
        # every number that needs a correction or an issue, takes the general path below.
        if type(raw) is float or type(raw) is int:  # exact types: a bool takes the general path
            ftype = field.type
            if ftype == "count":
                if isinstance(raw, int):
                    if 0 <= raw <= MAX_NUMBER:
                        return Parsed(raw)
                elif 0 <= raw <= MAX_NUMBER and raw.is_integer():
                    return Parsed(int(raw))
            # a NaN fails the range test, an infinity too
            elif ftype in ("money", "rate", "quantity") and 0 <= raw <= MAX_NUMBER:
                if isinstance(raw, int):
                    d = Decimal(raw)
                else:
                    text = repr(raw)
                    # a float's repr has a "." or an "e": 16 characters hold 15 digits at most
                    d = Decimal(text) if len(text) <= 16 else _float_decimal(raw)
                if ftype == "rate":
                    return Parsed(d)
                value = d.quantize(places_of(field), ROUND_HALF_UP)
                if value == d:
                    return Parsed(value)
        return _parse(raw, field)
    except Exception:  # last-resort guard; every known input has its own branch above
        return Parsed(None, "value.unsupported", severity_of("value.unsupported"), _type_name(raw))


def quote(raw: object, limit: int = QUOTE_LEN) -> str:
    """The raw value as text for a message: control characters replaced, at most `limit` chars."""
    try:
        s = _display(raw)
    except Exception:
        s = _type_name(raw)
    s = _CONTROL.sub("\ufffd", s).replace("\n", " ").replace("\t", " ")
    return s[:limit] + "…" if len(s) > limit else s


def render(value: object) -> str:
    """A parsed value for a message: numbers without trailing zeros, dates as 2024-06-20."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        s = format(value, "f")
        if "." in s:
            s = s.rstrip("0").rstrip(".")
        return "0" if s in ("-0", "") else s
    if isinstance(value, int):
        return str(value) if value.bit_length() < 1000 else _type_name(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None:
        return ""
    return quote(value, 60)


# ---------------------------------------------------------------------------------------------


def _parse(raw: object, field: FieldDef) -> Parsed:
    if raw is None:
        return EMPTY
    if field.type in ("count", "money", "quantity", "rate"):
        return _parse_number(raw, field)
    if field.type == "date":
        return _parse_date(raw)
    if field.type == "choice":
        return _parse_choice(raw, field)
    return _parse_text(raw, field.type)


def places_of(field: FieldDef) -> Decimal:
    """The smallest step a money or quantity value keeps: 0.0001 万元 (1 元), or a quantity's
    own decimal places (2 unless the campaign says: 公斤 to 0.01)."""
    if field.type == "quantity":
        return Decimal(1).scaleb(-field.decimals)
    return MONEY_PLACES


def _parse_choice(raw: object, field: FieldDef) -> Parsed:
    """One of the field's options (是/否, a list), compared as a person would: full-width,
    spaces and case ignored; a 1/0 or TRUE/FALSE for a 是/否 choice is read as 是/否."""
    import unicodedata

    if isinstance(raw, bool):
        raw = "是" if raw else "否"
    elif isinstance(raw, (int, float)) and set(field.options) == {"是", "否"} and raw in (0, 1):
        raw = "是" if raw == 1 else "否"
    got = _parse_text(raw, "text")
    if got.value is None or not isinstance(got.value, str):
        return got

    def key(s: str) -> str:
        return "".join(unicodedata.normalize("NFKC", s).split()).casefold()

    for option in field.options:
        if key(option) == key(got.value):
            return Parsed(option)
    return _error("value.not_option", "、".join(field.options))


def _error(code: str, detail: str | None = None) -> Parsed:
    return Parsed(None, code, severity_of(code), detail)


def _type_name(raw: object) -> str:
    try:
        return type(raw).__name__
    except Exception:  # pragma: no cover - every object has a type
        return "object"


def _display(raw: object) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, int):
        return str(raw) if raw.bit_length() < 1000 else msg("value.huge_number")
    if isinstance(raw, float):
        return _float_text(raw)
    if isinstance(raw, (dt.date, dt.datetime)):
        return raw.isoformat()
    if isinstance(raw, Decimal):
        return str(raw) if len(raw.as_tuple().digits) < 1000 else msg("value.huge_number")
    return reprlib.repr(raw)


def _float_text(f: float) -> str:
    if not math.isfinite(f):
        return repr(f)
    return format(f, ".15g")


def _halfwidth(s: str) -> str:
    """Full-width ASCII variants (０-９, －, ．, ，, ％, ＠ …) as ASCII, as NFKC maps them."""
    if not any("\uff01" <= ch <= "\uff5e" for ch in s):
        return s
    return "".join(chr(ord(ch) - 0xFEE0) if "\uff01" <= ch <= "\uff5e" else ch for ch in s)


def _float_decimal(f: float) -> Decimal:
    """A float as Excel shows it: exact repr, but at most 15 significant digits."""
    d = Decimal(repr(f))
    if len(d.as_tuple().digits) > 15:
        d = Decimal(format(f, ".15g"))
    return d


# --- numbers ---------------------------------------------------------------------------------


def _parse_number(raw: object, field: FieldDef) -> Parsed:
    steps: list[str] = []
    if isinstance(raw, bool):
        return _error("value.not_number")
    if isinstance(raw, int):
        if raw > MAX_NUMBER:
            return _error("value.too_large")
        d = Decimal(raw)
    elif isinstance(raw, float):
        if not math.isfinite(raw):
            return _error("value.not_number")
        d = _float_decimal(raw)
    elif isinstance(raw, Decimal):
        if not raw.is_finite():
            return _error("value.not_number")
        d = raw
    elif isinstance(raw, str):
        got = _number_text(raw, field, steps)
        if isinstance(got, Parsed):
            return got
        d = got
    elif isinstance(raw, (dt.date, dt.datetime)):
        return _error("value.not_number")
    else:
        return _error("value.unsupported", _type_name(raw))
    return _finish_number(d, field, steps)


def _number_text(raw: str, field: FieldDef, steps: list[str]) -> Decimal | Parsed:
    s = raw.strip()
    if not s:
        return EMPTY
    if s != raw:
        steps.append(msg("value.step_strip"))
    half = _halfwidth(s)
    if half != s:
        steps.append(msg("value.step_fullwidth"))
    m = _NUMBER.fullmatch(half)
    if not m:
        return _error("value.not_number")
    num, suffix = m["num"], m["suffix"].strip()
    if suffix:
        unit = field.unit or ""
        if field.type == "rate" and suffix == "%":
            pass  # a rate written as "53.85%" is just the rate
        elif unit and suffix in _UNIT_ALIASES.get(unit, (unit,)):
            steps.append(msg("value.step_unit", unit=suffix))
        elif suffix in KNOWN_UNITS:
            return _error("value.wrong_unit", suffix)
        else:
            return _error("value.not_number")
    if "," in num:
        if not _GROUPED.fullmatch(num):
            return _error("value.not_number")
        num = num.replace(",", "")
        steps.append(msg("value.step_thousands"))
    digits = num.lstrip("+-").split(".")[0].lstrip("0")
    if len(digits) > 12:
        return _error("value.too_large")
    return Decimal(num)


def _finish_number(d: Decimal, field: FieldDef, steps: list[str]) -> Parsed:
    if d < 0:
        return _error("value.negative")
    if d > MAX_NUMBER:
        return _error("value.too_large")
    code = "value.normalized" if steps else None
    value: Value
    if field.type == "count":
        whole = d.to_integral_value(ROUND_HALF_UP)
        if d != whole:
            return _error("value.not_whole")
        value = int(whole)
    elif field.type == "money":
        value = d.quantize(MONEY_PLACES, ROUND_HALF_UP)
        if value != d:
            steps.append(msg("value.step_round", value=render(value)))
            code = "value.rounded"
    elif field.type == "quantity":
        value = d.quantize(places_of(field), ROUND_HALF_UP)
        if value != d:
            places = field.decimals
            steps.append(msg("value.step_round_places", places=places, value=render(value)))
            code = "value.rounded_places"
    else:
        value = d
    if code is None:
        return Parsed(value)
    return Parsed(value, code, severity_of(code), _STEP_SEP.join(steps))


# --- dates -----------------------------------------------------------------------------------


def _parse_date(raw: object) -> Parsed:
    if isinstance(raw, dt.datetime):
        return Parsed(raw.date())
    if isinstance(raw, dt.date):
        return Parsed(raw)
    if isinstance(raw, bool):
        return _error("value.not_date")
    if isinstance(raw, (int, float, Decimal)):
        return _date_serial(raw)
    if not isinstance(raw, str):
        return _error("value.unsupported", _type_name(raw))
    s = _halfwidth(raw.strip())
    if not s:
        return EMPTY
    if len(s) > 40:
        return _error("value.not_date")
    m = _DATE.fullmatch(s)
    if m:
        day = _make_date(m["y"], m["m"], m["d"])
        return Parsed(day) if day else _error("value.not_date")
    m = _COMPACT_DATE.fullmatch(s)
    if m:
        day = _make_date(m["y"], m["m"], m["d"])
        if day:
            return Parsed(
                day,
                "value.normalized",
                severity_of("value.normalized"),
                msg("value.step_compact_date"),
            )
        return _error("value.not_date")
    if _SERIAL.fullmatch(s):
        return _date_serial(Decimal(s))
    return _error("value.not_date")


def _make_date(y: str, m: str, d: str) -> dt.date | None:
    year = int(y)
    if not YEAR_MIN <= year <= YEAR_MAX:
        return None
    try:
        return dt.date(year, int(m), int(d))
    except ValueError:
        return None


def _date_serial(raw: int | float | Decimal) -> Parsed:
    if isinstance(raw, float) and not math.isfinite(raw):
        return _error("value.not_date")
    if isinstance(raw, Decimal) and not raw.is_finite():
        return _error("value.not_date")
    if isinstance(raw, int) and 10_000_000 <= raw <= 99_999_999:
        return _parse_date(str(raw))  # 20240620 typed as a number
    if not SERIAL_MIN <= raw <= SERIAL_MAX:
        return _error("value.not_date")
    days = int(raw)
    day = EXCEL_EPOCH + dt.timedelta(days=days)
    return Parsed(
        day,
        "value.normalized",
        severity_of("value.normalized"),
        msg("value.step_serial", serial=days),
    )


# --- text, phone, e-mail ---------------------------------------------------------------------


def _as_text(raw: object) -> str | Parsed:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, int):
        if raw.bit_length() > 200:
            return _error("value.unsupported", msg("value.huge_number"))
        return str(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return _error("value.unsupported", repr(raw))
        if raw.is_integer() and abs(raw) < 1e16:
            return str(int(raw))  # a phone number or 文号 typed into a number cell
        return _float_text(raw)
    if isinstance(raw, Decimal):
        if not raw.is_finite() or len(raw.as_tuple().digits) > 200:
            return _error("value.unsupported", _type_name(raw))
        return render(raw)
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(" ")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return _error("value.unsupported", _type_name(raw))


def _parse_text(raw: object, kind: str) -> Parsed:
    got = _as_text(raw)
    if isinstance(got, Parsed):
        return got
    s = got.replace("\r\n", "\n").replace("\r", "\n")
    s, removed = _CONTROL.subn("", s)
    s = s.strip()
    code: str | None = None
    steps: list[str] = []
    if removed:
        code = "value.control_chars"
        steps.append(msg("value.step_control", count=removed))
    if len(s) > MAX_TEXT:
        steps.append(msg("value.step_truncated", length=len(s), limit=MAX_TEXT))
        s = s[:MAX_TEXT].rstrip()
        code = "value.too_long"
    if not s:
        return Parsed(None, code, severity_of(code), _STEP_SEP.join(steps)) if code else EMPTY
    if code is None:
        if kind == "phone" and not phone_ok(s):
            code = "value.phone_shape"
        elif kind == "email" and not email_ok(s):
            code = "value.email_shape"
    if code is None:
        return Parsed(s)
    return Parsed(s, code, severity_of(code), _STEP_SEP.join(steps) or None)


def phone_ok(s: str) -> bool:
    """One or more Chinese phone numbers: landline (7–8 digits, area code optional) or mobile."""
    s = _halfwidth(s).replace("，", ",").replace("；", ";")
    chunks = [c.strip() for c in _PHONE_LIST_SEP.split(s) if c.strip()]
    return bool(chunks) and all(_phone_chunk_ok(c) for c in chunks)


def _phone_chunk_ok(chunk: str) -> bool:
    """One number, or several separated by spaces ("0538 6136817 13053833566")."""
    if _one_phone_ok(chunk):
        return True
    parts = chunk.split()
    if not 1 < len(parts) <= 12:
        return False
    # can the parts be grouped, in order, into runs that each read as one number?
    ends = {0}
    for i in range(1, len(parts) + 1):
        if any(j in ends and _one_phone_ok(" ".join(parts[j:i])) for j in range(i)):
            ends.add(i)
    return len(parts) in ends


def _one_phone_ok(p: str) -> bool:
    candidates = [p]
    m = _PHONE_EXT.search(p)
    if m and m.start() > 0:
        candidates.append(p[: m.start()])
    for c in candidates:
        digits = _PHONE_INNER.sub("", c)
        if digits.startswith("+86"):
            digits = digits[3:]
        if digits.isascii() and _PHONE.fullmatch(digits):
            return True
    return False


def email_ok(s: str) -> bool:
    """One address: a single @ and a dot inside the domain."""
    return bool(_EMAIL.fullmatch(s))
