"""Any chain of levels: a top that is not national, tiers a chain leaves out, units reporting
at another level than their registry tier, and the mistakes a chain can have."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from reportkit.model.campaign import (
    CampaignError,
    NotInCampaign,
    check_campaign,
    load_campaign,
    parse_campaign,
)
from reportkit.model.registry import default_registry
from reportkit.model.workdays import day_facts

DATA = Path(__file__).parents[1] / "data" / "campaigns"
REGISTRY = default_registry()
# 湖北省's four county-level cities that the province administers directly (GB/T 2260 4290xx)
DIRECT = {"429004": "仙桃市", "429005": "潜江市", "429006": "天门市", "429021": "神农架林区"}


@pytest.fixture(scope="module")
def hubei():
    return load_campaign(DATA / "hubei-food")


@pytest.fixture(scope="module")
def shanghai():
    return load_campaign(DATA / "shanghai-gas")


def _campaign(levels: str, scope: str | None = '"370000"', extra: str = "") -> str:
    """A small campaign file with the given [levels.*] tables (a TOML fragment)."""
    scope_line = f"scope = {scope}" if scope else ""
    agency = ", ".join(
        f'{lv} = "局"'
        for lv in ("national", "province", "city", "county")
        if f"levels.{lv}]" in levels
    )
    return (
        textwrap.dedent(
            f"""\
        [campaign]
        id = "t"
        name = "测试"
        year = 2025
        {scope_line}
        starts = "2025-01-01"
        ends = "2025-12-31"
        """
        )
        + levels
        + textwrap.dedent(
            f"""
        [lines.x]
        name = "测试条线"
        agency = {{ {agency} }}
        [milestones.m]
        name = "一季度"
        forms = ["f"]
        deadlines = []
        [forms.f]
        name = "表"
        line = "x"
        milestones = ["m"]
        fields = [{{ id = "n", label = "数量", type = "count", milestones = ["m"] }}]
        """
        )
        + extra
    )


def test_a_province_at_the_top_takes_its_cities_and_its_direct_county_level_cities(hubei):
    assert hubei.top.code == "420000" and hubei.chain == ("province", "city")
    registry_cities = [r for r in REGISTRY.children("420000") if r.level == "city"]
    kids = hubei.children(hubei.top)
    assert {r.code for r in kids} == {r.code for r in registry_cities} | set(DIRECT)
    for code, name in DIRECT.items():
        unit = hubei.unit(name)
        assert (unit.code, unit.level) == (code, "city")
        assert hubei.parent(unit).code == "420000"
        assert hubei.deadline("q1", unit).date == dt.date(2025, 4, 15)
    assert hubei.parent(hubei.top) is None and hubei.deadline("q1", hubei.top) is None


def test_a_tier_below_the_chain_takes_no_part(hubei):
    with pytest.raises(NotInCampaign) as e:
        hubei.unit("江岸区")  # a district of 武汉市: the chain ends at the cities
    assert "江岸区" in e.value.message and "省级、市级" in e.value.message
    assert hubei.children(hubei.unit("武汉市")) == []


def test_a_unit_outside_the_scope_is_not_found_but_named(hubei):
    with pytest.raises(LookupError) as e:
        hubei.unit("泰安市")
    assert "湖北省" in str(e.value) and "370900" in str(e.value)


def test_a_municipalitys_districts_report_straight_to_it(shanghai):
    districts = [r for r in REGISTRY.children("310000")]
    assert {r.code for r in shanghai.children(shanghai.top)} == {r.code for r in districts}
    huangpu = shanghai.unit("黄浦区")
    assert shanghai.parent(huangpu).code == "310000"
    assert shanghai.agency_name(huangpu, "gas") == "黄浦区建设和管理委员会"
    assert shanghai.deadline("m12", huangpu).date == dt.date(2027, 1, 5)


def test_a_chain_without_cities_passes_over_them():
    campaign = parse_campaign(
        _campaign(
            '[levels.province]\nname = "省级"\n[levels.county]\nname = "县级"\n'
            'submits_to = "province"\n'
        )
    )
    counties = REGISTRY.descendants("370000", level="county")
    assert len(counties) > 100
    kids = campaign.children(campaign.top)
    assert {r.code for r in kids} == {r.code for r in counties}
    assert campaign.parent(campaign.unit("泰山区")).code == "370000"
    with pytest.raises(NotInCampaign) as e:
        campaign.unit("泰安市")  # passed over: a real unit, not one of this campaign's
    assert "泰安市不是本活动的报送单位" in e.value.message
    with pytest.raises(NotInCampaign):
        campaign.resolve("泰安市局")  # written as its office (the line x agency is 局)


def test_a_unit_can_report_at_the_level_the_campaign_says():
    # 济源市 (419001) is a county-level city under 河南省; a campaign may count it as a city
    extra = '\n[[units]]\ncode = "419001"\nlevel = "city"\n'
    levels = (
        '[levels.province]\nname = "省级"\n[levels.city]\nname = "市级"\n'
        'submits_to = "province"\n[levels.county]\nname = "县级"\nsubmits_to = "city"\n'
    )
    campaign = parse_campaign(_campaign(levels, '"410000"', extra))
    jiyuan = campaign.unit("济源市")
    assert jiyuan.level == "city" and campaign.parent(jiyuan).code == "410000"


@pytest.mark.parametrize(
    ("levels", "scope", "key", "words"),
    [
        ('[levels.province]\nname = "省级"\n', None, "campaign.scope", "scope"),
        (
            '[levels.province]\nname = "省级"\n[levels.city]\nname = "市级"\n',
            '"370000"',
            "levels.",
            "只能有一个最高级别",
        ),
        (
            '[levels.province]\nname = "省级"\nsubmits_to = "city"\n[levels.city]\nname = "市级"\n'
            'submits_to = "province"\n',
            '"370000"',
            "levels.province.submits_to",
            "只能报送给比它高的级别",
        ),
        (
            '[levels.province]\nname = "省级"\n[levels.city]\nname = "市级"\nsubmits_to = '
            '"province"\n[levels.county]\nname = "县级"\nsubmits_to = "province"\n',
            '"370000"',
            "levels.county.submits_to",
            "不能分叉",
        ),
        (
            '[levels.province]\nname = "省级"\n[levels.city]\nname = "市级"\nsubmits_to = "town"\n',
            '"370000"',
            "levels.city.submits_to",
            "town",
        ),
    ],
)
def test_a_broken_chain_is_an_error_naming_its_key(levels, scope, key, words):
    with pytest.raises(CampaignError) as e:
        parse_campaign(_campaign(levels, scope))
    assert e.value.key.startswith(key) and words in e.value.message and e.value.line


HOLIDAYS_2027 = """
[holidays.2027]
source = "国务院办公厅关于2027年部分节假日安排的通知（示例）"
off = [{ name = "元旦", from = "2027-01-01", to = "2027-01-03" }, { name = "春节", from = "2027-02-05", to = "2027-02-11" }]
work = ["2027-02-14"]
"""


def test_a_year_the_holiday_library_does_not_know_is_unverified(shanghai):
    facts = day_facts(dt.date(2027, 1, 5), shanghai.holidays)
    assert facts.workday is None and "2027" in facts.note


def test_a_campaign_can_give_a_years_holiday_arrangement():
    levels = (
        '[levels.province]\nname = "省级"\n[levels.city]\nname = "市级"\nsubmits_to = "province"\n'
    )
    campaign = parse_campaign(_campaign(levels, extra=HOLIDAYS_2027))
    h = campaign.holidays
    # 2027-02-08 is a Monday inside the given 春节; the last working day before the holiday is
    # Thursday 02-04; 02-14 is a Sunday made a working day; 02-13 a plain Saturday
    monday = day_facts(dt.date(2027, 2, 8), h)
    assert (monday.workday, monday.holiday, monday.last_workday) == (
        False,
        "春节",
        dt.date(2027, 2, 4),
    )
    assert day_facts(dt.date(2027, 2, 14), h).workday is True
    saturday = day_facts(dt.date(2027, 2, 13), h)
    assert saturday.workday is False and saturday.holiday is None
    # 2027-01-01..03 off: the last working day before is 2026-12-31 (chinesecalendar's year)
    assert day_facts(dt.date(2027, 1, 2), h).last_workday == dt.date(2026, 12, 31)
    assert day_facts(dt.date(2027, 1, 4), h).workday is True


def test_check_reports_every_mistake_with_its_line_and_key(tmp_path):
    levels = (
        '[levels.province]\nname = "省级"\n[levels.city]\nname = "市级"\nsubmits_to = "province"\n'
    )
    text = _campaign(
        levels,
        extra=textwrap.dedent(
            """
            [[units]]
            code = "420100"
            level = "city"
            colour = "红"

            [[rules]]
            id = "r1"
            form = "f"
            left = "nope"
            op = "<="
            right = "n"
            message = "x"

            [[rules]]
            id = "r2"
            form = "f"
            left = "n"
            op = "=<"
            right = "1"
            message = "x"
            """
        ),
    ).replace("deadlines = []", 'deadlines = [{ level = "city", date = "2026-03-01" }]')
    path = tmp_path / "campaign.toml"
    path.write_text(text, "utf-8")
    errors = check_campaign(path)
    lines = text.splitlines()

    def line_of(fragment: str) -> int:
        return next(i for i, ln in enumerate(lines, 1) if fragment in ln)

    found = {(e.key, e.line) for e in errors}
    assert ("milestones.m.deadlines[0].date", line_of("2026-03-01")) in found  # outside
    assert ("units[0].code", line_of('code = "420100"')) in found  # not in 山东省
    assert ("units[0].colour", line_of("colour")) in found  # unknown key
    assert ("rules[0].left", line_of('left = "nope"')) in found  # no such field
    assert ("rules[1].op", line_of('op = "=<"')) in found  # not an operator
    assert len(errors) == 5
    with pytest.raises(CampaignError):  # loading stops at the first
        load_campaign(path)


def test_check_finds_nothing_in_the_shipped_and_test_campaigns():
    from importlib import resources

    shipped = Path(str(resources.files("reportkit.campaigns").joinpath("tzzy-2024")))
    for folder in (shipped, DATA / "hubei-food", DATA / "shanghai-gas"):
        assert check_campaign(folder) == [], folder


def test_the_campaign_view_marks_an_unverified_deadline_and_says_how_to_verify_it(cli):
    r = cli("campaign", "--unit", "黄浦区", "--campaign", str(DATA / "shanghai-gas"))
    line = next(ln for ln in r.out.splitlines() if "2027-01-05" in ln)
    assert line.startswith("? ")  # not a working day, not an off day: not known
    assert "[holidays.2027]" in r.out
    worked = next(ln for ln in r.out.splitlines() if "2026-11-05" in ln)
    assert worked.startswith("  ")


LEVELS_PC = (
    '[levels.province]\nname = "省级"\n[levels.city]\nname = "市级"\nsubmits_to = "province"\n'
)


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        # a deadline for units outside the campaign: the unit exists, it is not in 山东省
        (('deadlines = []', 'deadlines = [{ level = "city", date = "2025-04-01", scope = "420100" }]'),
         "milestones.m.deadlines[0].scope", "不在活动范围（山东省）内"),
        # a form that lists a milestone whose forms do not list it
        (('forms = ["f"]', "forms = []"), "forms.f.milestones[0]", "要互相列出"),
        (('year = 2025', 'year = 2025\ntimezone = "Asia/Shangai"'), "campaign.timezone", "不是时区"),
        (('year = 2025', 'year = 2025\ndocuments = ["关于开展……的通知"]'), "campaign.documents[0]", "应为表"),
        (('name = "测试"', 'name = "测试'), "-", "字符串没有写完"),
    ],
)  # fmt: skip
def test_check_names_what_is_wrong_in_chinese(tmp_path, change, key, words):
    text = _campaign(LEVELS_PC).replace(*change)
    path = tmp_path / "campaign.toml"
    path.write_text(text, "utf-8")
    errors = check_campaign(path)
    assert [(e.key, words in e.message) for e in errors] == [(key, True)], [str(e) for e in errors]
    assert errors[0].line is not None


def test_sample_works_without_a_filled_on_header_field(cli, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    text = (DATA / "hubei-food" / "campaign.toml").read_text("utf-8")
    text = text.replace('{ id = "filled_on", label = "填报时间", type = "date" }',
                        '{ id = "report_date", label = "填报日期", type = "date" }')  # fmt: skip
    (folder / "campaign.toml").write_text(text, "utf-8")
    r = cli("sample", "--unit", "湖北省", "--milestone", "q1", "-o", str(tmp_path / "in"),
            "--campaign", str(folder))  # fmt: skip
    assert r.code == 0, r.out + r.err
    r = cli("validate", str(tmp_path / "in"), "--campaign", str(folder))
    assert "17 个通过" in r.out


def test_a_campaign_without_phases_prints_no_phase_line(cli):
    r = cli("campaign", "--campaign", str(DATA / "hubei-food"))
    assert r.code == 0 and "活动阶段" not in r.out


@pytest.mark.parametrize(
    ("form", "key", "words"),
    [
        # row a_b × column c and row a × column b_c are both RK_a_b_c
        ('rows = [{ id = "a_b", label = "甲乙" }, { id = "a", label = "甲" }]\n'
         'columns = [{ id = "c", label = "数量", type = "count" }, { id = "b_c", label = "金额", type = "count" }]',
         "forms.g.rows", "RK_a_b_c"),
        # a single field named like a header field takes its defined name
        ('fields = [{ id = "filled_on", label = "金额", type = "count" }]', "forms.g.fields[0].id", "表头"),
        ('fields = [{ id = "milestone", label = "数量", type = "count" }]', "forms.g.fields[0].id", "报送节点"),
    ],
)  # fmt: skip
def test_two_cells_never_share_a_defined_name(tmp_path, form, key, words):
    extra = (
        '\n[forms.header]\nfields = [{ id = "filled_on", label = "填报时间", type = "date" }]\n'
        f'[forms.g]\nname = "表二"\nline = "x"\nmilestones = ["m"]\n{form}\n'
    )
    text = _campaign(LEVELS_PC, extra=extra).replace('forms = ["f"]', 'forms = ["f", "g"]')
    path = tmp_path / "campaign.toml"
    path.write_text(text, "utf-8")
    errors = check_campaign(path)
    assert [(e.key, words in e.message) for e in errors] == [(key, True)], [str(e) for e in errors]
