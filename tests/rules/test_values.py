"""parse_value: every value case of the brief, and hypothesis proof that it never raises."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportkit.issues import SEVERITIES
from reportkit.model.campaign import FieldDef, default_campaign
from reportkit.rules import values as values_module
from reportkit.rules.values import Parsed, parse_value, quote, render
from tests.wide import examples

MEM = default_campaign().forms["mem-stats"]
HEADER = {f.id: f for f in MEM.header}
COUNT = MEM.column("self_checked")  # 家
ITEMS = MEM.column("self_problems")  # 项
MONEY = MEM.column("fines")  # 万元
RATE = MEM.column("self_check_rate")  # %
DATE = HEADER["filled_on"]
PHONE = HEADER["contact"]
TEXT = HEADER["filled_by"]
EMAIL = next(f for f in default_campaign().forms["deploy"].fields if f.type == "email")
ALL_FIELDS = [COUNT, ITEMS, MONEY, RATE, DATE, PHONE, TEXT, EMAIL]
D = Decimal


def ok(p: Parsed, value):
    assert p.issue_code is None, p
    assert p.value == value
    assert type(p.value) is type(value)


def issue(p: Parsed, code: str, severity: str = "error"):
    assert p.issue_code == code, p
    assert p.severity == severity, p
    if severity == "error":
        assert p.value is None


# --- empty -------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000", "\u00a0", "\t\n"])
@pytest.mark.parametrize("field", ALL_FIELDS, ids=lambda f: f.type)
def test_empty_is_none_without_issue(raw, field):
    assert parse_value(raw, field) == Parsed(None)


# --- counts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [(5, 5), (0, 0), (5.0, 5), (D("7"), 7), ("5", 5), ("0", 0), ("1.0", 1), (10**9, 10**9)],
)
def test_count_plain(raw, value):
    ok(parse_value(raw, COUNT), value)


def test_count_float_noise_from_formula_is_whole():
    ok(parse_value(2.9999999999999996, COUNT), 3)


@pytest.mark.parametrize("raw", [1.5, "1.5", D("2.25"), "1.0000001"])
def test_count_not_whole(raw):
    issue(parse_value(raw, COUNT), "value.not_whole")


@pytest.mark.parametrize("raw", [-1, -0.5, "-3", "－3", D("-1")])
def test_count_negative(raw):
    issue(parse_value(raw, COUNT), "value.negative")


@pytest.mark.parametrize("raw", [True, False])
def test_count_bool_is_not_a_number(raw):
    issue(parse_value(raw, COUNT), "value.not_number")


@pytest.mark.parametrize(
    ("raw", "value", "detail"),
    [
        (" 5 ", 5, "去掉了首尾的空格"),
        ("\u00a05\u3000", 5, "去掉了首尾的空格"),
        ("５", 5, "全角字符转为半角"),
        ("1,234", 1234, "去掉了千位分隔符"),
        ("1，234", 1234, "全角字符转为半角；去掉了千位分隔符"),
        ("1,234,567", 1234567, "去掉了千位分隔符"),
        ("5家", 5, "去掉了单位“家”"),
        ("5 家", 5, "去掉了单位“家”"),
        ("１２家", 12, "全角字符转为半角；去掉了单位“家”"),
    ],
)
def test_count_normalized(raw, value, detail):
    p = parse_value(raw, COUNT)
    assert (p.value, p.issue_code, p.severity, p.detail) == (
        value,
        "value.normalized",
        "warning",
        detail,
    )


def test_count_unit_of_its_own_column():
    p = parse_value("3项", ITEMS)
    assert (p.value, p.issue_code, p.detail) == (3, "value.normalized", "去掉了单位“项”")


@pytest.mark.parametrize(
    ("raw", "unit"), [("5项", "项"), ("5件", "件"), ("5%", "%"), ("5个", "个")]
)
def test_count_wrong_unit(raw, unit):
    p = parse_value(raw, COUNT)
    issue(p, "value.wrong_unit")
    assert p.detail == unit


@pytest.mark.parametrize(
    "raw",
    [
        "五",
        "无",
        "-",
        "/",
        "N/A",
        "约5",
        "5左右",
        "1,2",
        "1 234",
        "5e3",
        "NaN",
        "Infinity",
        "5\x00",
    ],
)
def test_count_not_a_number(raw):
    issue(parse_value(raw, COUNT), "value.not_number")


@pytest.mark.parametrize(
    "raw", [10**9 + 1, 10**100, 1e300, "1" + "0" * 100, "9" * 100_000, "1,000,000,001"]
)
def test_count_too_large(raw):
    issue(parse_value(raw, COUNT), "value.too_large")


@pytest.mark.parametrize(
    "raw", [float("nan"), float("inf"), float("-inf"), D("NaN"), D("sNaN"), D("-Infinity")]
)
def test_count_non_finite(raw):
    issue(parse_value(raw, COUNT), "value.not_number")


@pytest.mark.parametrize("raw", [b"5", [5], {"a": 5}, object(), (1, 2), {5}])
def test_unsupported_objects(raw):
    for field in ALL_FIELDS:
        p = parse_value(raw, field)
        assert p.issue_code == "value.unsupported" and p.severity == "error" and p.value is None


def test_count_date_is_not_a_number():
    issue(parse_value(dt.date(2024, 6, 20), COUNT), "value.not_number")


# --- money -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1.5", D("1.5000")),
        (1.5, D("1.5000")),
        (0.1, D("0.1000")),
        (3, D("3.0000")),
        (D("0.0001"), D("0.0001")),
        ("12.3456", D("12.3456")),
        (0.30000000000000004, D("0.3000")),  # a formula's float noise
    ],
)
def test_money_exact(raw, value):
    p = parse_value(raw, MONEY)
    ok(p, value)
    assert p.value.as_tuple().exponent == -4


@pytest.mark.parametrize(
    ("raw", "value"), [(1.23456, D("1.2346")), ("1.23455", D("1.2346")), ("0.00004", D("0.0000"))]
)
def test_money_rounded(raw, value):
    p = parse_value(raw, MONEY)
    assert (p.value, p.issue_code, p.severity) == (value, "value.rounded", "warning")
    assert "4 位小数" in p.detail


@pytest.mark.parametrize(
    ("raw", "value", "detail"),
    [
        ("5万元", D("5"), "去掉了单位“万元”"),
        ("5万", D("5"), "去掉了单位“万”"),
        ("1,234.5万元", D("1234.5"), "去掉了单位“万元”；去掉了千位分隔符"),
        ("０．５", D("0.5"), "全角字符转为半角"),
    ],
)
def test_money_normalized(raw, value, detail):
    p = parse_value(raw, MONEY)
    assert (p.value, p.issue_code, p.detail) == (value, "value.normalized", detail)


def test_money_normalized_and_rounded_keeps_both_steps():
    p = parse_value("1.23456万元", MONEY)
    assert (p.value, p.issue_code) == (D("1.2346"), "value.rounded")
    assert p.detail.startswith("去掉了单位“万元”；")


@pytest.mark.parametrize("raw", ["5元", "5千元", "5家"])
def test_money_wrong_unit(raw):
    issue(parse_value(raw, MONEY), "value.wrong_unit")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("-0.5", "value.negative"),
        (-1.0, "value.negative"),
        ("五万元", "value.not_number"),
        (1e10, "value.too_large"),
    ],
)
def test_money_errors(raw, code):
    issue(parse_value(raw, MONEY), code)


# --- rates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("53.85%", D("53.85")),
        ("53.85", D("53.85")),
        (53.85, D("53.85")),
        (0.5385, D("0.5385")),
        ("100%", D("100")),
    ],
)
def test_rate_is_a_number_in_percent_units(raw, value):
    ok(parse_value(raw, RATE), value)


def test_rate_fullwidth_percent():
    p = parse_value("５３．８５％", RATE)
    assert (p.value, p.issue_code) == (D("53.85"), "value.normalized")


def test_rate_wrong_unit():
    issue(parse_value("53家", RATE), "value.wrong_unit")


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        dt.date(2024, 6, 20),
        dt.datetime(2024, 6, 20, 15, 30),
        "2024-06-20",
        "2024/6/20",
        "2024.6.20",
        "2024年6月20日",
        "2024年06月20号",
        "２０２４年６月２０日",
        " 2024-06-20 00:00:00 ",
        "2024-06-20T08:00:00",
    ],
)
def test_date_accepted(raw):
    ok(parse_value(raw, DATE), dt.date(2024, 6, 20))


@pytest.mark.parametrize("raw", [45463, 45463.0, 45463.75, "45463"])
def test_date_excel_serial(raw):
    p = parse_value(raw, DATE)
    assert (p.value, p.issue_code, p.severity) == (
        dt.date(2024, 6, 20),
        "value.normalized",
        "warning",
    )
    assert "Excel 日期序号 45463" in p.detail


def test_date_compact_digits():
    p = parse_value("20240620", DATE)
    assert (p.value, p.issue_code) == (dt.date(2024, 6, 20), "value.normalized")
    assert parse_value(20240620, DATE).value == dt.date(2024, 6, 20)


@pytest.mark.parametrize(
    "raw",
    [
        "昨天",
        "6月20日",
        "2024-13-01",
        "2024-02-30",
        "0024-06-20",
        "2024-06",
        True,
        123,
        19999,
        80001,
        float("nan"),
        "x" * 10_000,
    ],
)
def test_date_rejected(raw):
    issue(parse_value(raw, DATE), "value.not_date")


# --- phone, e-mail, text -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "0538-6136817",
        "6136817",
        "61368170",
        "13053833566",
        "130 5383 3566",
        "(0538)6136817",
        "（0538）6136817",
        "010-82260678",
        "0531-51792597",
        "0538-6136817、13053833566",
        "6136817，16653857505",
        "0538-6136817; 13053833566",
        "0538 6136817 13053833566",
        "0538-6136817转8001",
        "+86 130 5383 3566",
        "４００-８００-１２３４",
        13053833566,
        6136817.0,
    ],
)
def test_phone_accepted(raw):
    p = parse_value(raw, PHONE)
    assert p.issue_code is None, p
    assert isinstance(p.value, str)


@pytest.mark.parametrize(
    "raw", ["张三", "123", "1305383356", "23053833566", "电话：6136817", "0538-613681"]
)
def test_phone_shape(raw):
    p = parse_value(raw, PHONE)
    assert (p.issue_code, p.severity) == ("value.phone_shape", "warning")
    assert p.value == raw.strip()


@pytest.mark.parametrize("raw", ["tagksm@163.com", "zhzfzddcs@ta.shandong.cn", " a.b@x.org "])
def test_email_accepted(raw):
    ok(parse_value(raw, EMAIL), raw.strip())


@pytest.mark.parametrize(
    "raw", ["tagksm163.com", "a@b@c.com", "a@localhost", "a @b.com", "@b.com", "a@b."]
)
def test_email_shape(raw):
    p = parse_value(raw, EMAIL)
    assert (p.issue_code, p.severity, p.value) == ("value.email_shape", "warning", raw)


def test_text_stripped_silently():
    ok(parse_value("  王五\u3000", TEXT), "王五")
    ok(parse_value("第一行\r\n第二行\t尾", TEXT), "第一行\n第二行\t尾")


@pytest.mark.parametrize(
    ("raw", "value"),
    [(25, "25"), (25.0, "25"), (1.5, "1.5"), (dt.date(2024, 3, 27), "2024-03-27"), (True, "TRUE")],
)
def test_text_from_other_cell_types(raw, value):
    ok(parse_value(raw, TEXT), value)


def test_text_control_chars_removed():
    p = parse_value("王\x00五\x07\ufeff", TEXT)
    assert (p.value, p.issue_code, p.severity) == ("王五", "value.control_chars", "warning")
    assert "3 个" in p.detail


def test_text_lone_surrogate_removed():
    p = parse_value("王\ud800五", TEXT)
    assert (p.value, p.issue_code) == ("王五", "value.control_chars")


def test_text_only_control_chars_is_empty_with_warning():
    p = parse_value("\x00\x01", TEXT)
    assert (p.value, p.issue_code, p.severity) == (None, "value.control_chars", "warning")


def test_text_too_long_truncated():
    p = parse_value("字" * 40_000, TEXT)
    assert (p.issue_code, p.severity) == ("value.too_long", "warning")
    assert p.value == "字" * 500
    assert "40000" in p.detail


def test_phone_too_long_truncated():
    p = parse_value("1" * 40_000, PHONE)
    assert p.issue_code == "value.too_long" and len(p.value) == 500


# --- quote and render --------------------------------------------------------------------------


def test_quote_truncates_and_cleans():
    assert quote("约5") == "约5"
    assert quote("一二三四五六七八九十" * 3) == "一二三四五六七八九十" * 2 + "…"
    assert quote("a\x00b\nc") == "a\ufffdb c"
    assert quote(1.5) == "1.5" and quote(True) == "TRUE" and quote(None) == "None"
    assert quote(10**5000)  # no int-to-str limit error


def test_render_numbers_without_trailing_zeros():
    assert render(D("5.0000")) == "5"
    assert render(D("13.20")) == "13.2"
    assert render(D("1E+2")) == "100"
    assert render(D("-0.000")) == "0"
    assert render(7) == "7"
    assert render(dt.date(2024, 6, 20)) == "2024-06-20"


# --- hypothesis: never raises ------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8")),
    st.text(
        alphabet="0123456789,.，．％%-－+ \u3000\u00a0万元家项件次年月日/０１２３４５６７８９\x00\x07"
    ),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=5), st.integers(0, 20_000)),
    st.binary(),
    st.dates(),
    st.datetimes(),
)
anything = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=3), inner, max_size=3),
        st.tuples(inner, inner),
    ),
    max_leaves=8,
)


@settings(max_examples=examples(400), deadline=None)
@given(raw=anything, field=st.sampled_from(ALL_FIELDS))
def test_parse_value_never_raises(raw, field):
    p = parse_value(raw, field)
    assert isinstance(p, Parsed)
    if p.issue_code is None:
        assert p.severity is None
    else:
        assert p.issue_code.startswith("value.")
        assert p.severity in SEVERITIES
    if p.severity == "error":
        assert p.value is None
    # the last-resort guard in parse_value is never what saves it: the parser itself does not raise
    assert values_module._parse(raw, field) == p
    v = p.value
    if v is not None:
        expected = {
            "count": int,
            "money": Decimal,
            "rate": Decimal,
            "date": dt.date,
        }.get(field.type, str)
        assert isinstance(v, expected) and not isinstance(v, bool)
        if field.type in ("count", "money", "rate"):
            assert 0 <= v <= 10**9
        if field.type in ("text", "phone", "email"):
            assert 0 < len(v) <= 500
    assert len(quote(raw)) <= 21


@settings(max_examples=examples(200), deadline=None)
@given(n=st.integers(0, 10**9))
def test_count_round_trips(n):
    assert parse_value(str(n), COUNT) == Parsed(n)
    assert parse_value(float(n), COUNT) == Parsed(n)
    p = parse_value(f"{n:,}家", COUNT)
    assert p.value == n
    assert p.issue_code == ("value.normalized")


@settings(max_examples=examples(200), deadline=None)
@given(d=st.decimals(min_value=0, max_value=10**9, places=4))
def test_money_round_trips(d):
    assert parse_value(str(d), MONEY) == Parsed(d.quantize(D("0.0001")))
    assert parse_value(d, MONEY).value == d


def test_field_without_unit_rejects_any_suffix():
    bare = FieldDef("x", "X", "count")
    issue(parse_value("5家", bare), "value.wrong_unit")
    issue(parse_value("5左右", bare), "value.not_number")


@settings(max_examples=examples(400), deadline=None)
@given(
    raw=st.one_of(
        st.integers(-5, 10**9 + 5),
        st.integers(),
        st.floats(),
        st.floats(0, 10**9 + 1),
        st.floats(0, 1),
        st.sampled_from([0.0, -0.0, 1e9, 1e9 + 0.5, 999999999.99999, 0.1 + 0.2, 1e-7, 5e-324]),
        st.integers(0, 10**9).map(float),
        st.integers(0, 10**7).map(lambda n: n / 100),
    ),
    field=st.sampled_from([COUNT, ITEMS, MONEY, RATE]),
)
def test_plain_numbers_parse_as_the_general_path_does(raw, field):
    # parse_value reads plain numbers by a shorter path: same value, type and representation
    # (Decimal("5.0") and Decimal("5.0000") are equal, but not the same value for a report)
    assert repr(parse_value(raw, field)) == repr(values_module._parse(raw, field))
