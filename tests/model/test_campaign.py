"""The campaign file: loading, deadlines, offices, and errors that name line and key."""

from __future__ import annotations

import datetime as dt
from importlib import resources

import pytest

from reportkit.model.campaign import CampaignError, default_campaign, parse_campaign

D = dt.date


@pytest.fixture(scope="module")
def campaign():
    return default_campaign()


@pytest.fixture(scope="module")
def source() -> str:
    return (
        resources.files("reportkit.campaigns")
        .joinpath("tzzy-2024/campaign.toml")
        .read_text("utf-8")
    )


def test_forms_and_cells(campaign):
    samr, mem, deploy = (campaign.forms[f] for f in ("samr-stats", "mem-stats", "deploy"))
    assert [r.id for r in samr.rows] == ["false_publicity", "illegal_ads", "other", "total"]
    assert len(samr.cells) == 4 * 3 + 2
    assert samr.cell("total.fines").derived and not samr.cell("other.fines").derived
    assert samr.cell("false_publicity.cases").name == "RK_false_publicity_cases"
    assert [c.label for c in mem.columns[:2]] == [
        "完成自查的机构数量(家)",
        "完成自查机构的覆盖率(%)",
    ]
    assert mem.cell("training.self_check_rate").derived
    assert mem.cell("exam.in_scope").name == "RK_exam_in_scope"
    assert not mem.column("in_scope").official
    midterm = {c.key for c in mem.required("midterm")}
    final = {c.key for c in mem.required("final")}
    assert "training.self_checked" in midterm and "training.inspected" not in midterm
    assert {"training.inspected", "exam.institutions", "exam.in_scope"} <= final
    assert "training.inspection_rate" not in final  # derived, never typed in
    assert [f.id for f in deploy.fields][:3] == ["plan_name", "doc_number", "issued_on"]
    assert deploy.lines(campaign) == ("samr", "mem")
    assert [h.id for h in samr.header] == ["unit_name", "filled_by", "contact", "filled_on"]


@pytest.mark.parametrize(
    ("unit", "milestone", "date"),
    [
        ("泰山区", "deploy", D(2024, 3, 28)),
        ("泰安高新技术产业开发区", "midterm", D(2024, 6, 21)),
        ("泰安市", "deploy", D(2024, 3, 29)),
        ("泰安市", "final", D(2024, 11, 4)),
        ("山东省", "deploy", D(2024, 4, 5)),
        ("山东省", "midterm", D(2024, 6, 30)),
        ("北京市", "final", D(2024, 11, 10)),
    ],
)
def test_deadlines_per_level(campaign, unit, milestone, date):
    assert campaign.deadline(milestone, campaign.unit(unit)).date == date


def test_national_and_anytime_have_no_deadline(campaign):
    assert campaign.deadline("final", campaign.unit("全国")) is None
    assert campaign.deadline("cases", campaign.unit("泰安市")) is None


def test_deadlines_apply_only_where_the_notices_set_them(campaign):
    # Tai'an's notice sets its counties' dates, Shandong's its cities'; elsewhere none is known
    assert campaign.deadline("deploy", campaign.unit("历下区")) is None
    assert campaign.deadline("deploy", campaign.unit("石家庄市")) is None
    assert campaign.deadline("deploy", campaign.unit("河北省")).date == D(2024, 4, 5)


def test_most_specific_deadline_wins(source):
    line = (
        '{ level = "county", date = "2024-03-28", scope = "370900", source = "局函〔2024〕81号" },'
    )
    assert line in source
    extra = source.replace(
        line,
        line + '\n  { level = "county", date = "2024-03-25", scope = "370902" },'
        '\n  { level = "county", date = "2024-03-20" },',
    )
    c = parse_campaign(extra)
    assert c.deadline("deploy", c.unit("泰山区")).date == D(2024, 3, 25)
    assert c.deadline("deploy", c.unit("岱岳区")).date == D(2024, 3, 28)
    assert c.deadline("deploy", c.unit("历下区")).date == D(2024, 3, 20)


@pytest.mark.parametrize(
    ("unit", "line", "office"),
    [
        ("泰安市", "mem", "泰安市应急管理局"),
        ("泰安市", "samr", "泰安市市场监督管理局"),
        ("山东省", "mem", "山东省应急管理厅"),
        ("北京市", "mem", "北京市应急管理局"),
        ("全国", "samr", "国家市场监督管理总局"),
        ("全国", "mem", "应急管理部"),
    ],
)
def test_agency_names(campaign, unit, line, office):
    assert campaign.agency_name(campaign.unit(unit), line) == office


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("泰安市应急管理局", "370900", "mem"),
        ("泰山区市场监督管理局", "370902", "samr"),
        ("山东省市场监管局", "370000", "samr"),
        ("370900", "370900", None),
    ],
)
def test_resolve_office_names(campaign, text, code, line):
    region, got_line = campaign.resolve(text)
    assert (region.code, got_line) == (code, line)


def test_zones_are_county_units_of_taian(campaign):
    kids = campaign.children(campaign.unit("泰安市"))
    names = {k.name for k in kids}
    assert len(kids) == 10
    assert {
        "泰安高新技术产业开发区",
        "泰山景区",
        "泰安旅游经济开发区",
        "徂汶景区",
        "肥城市",
    } <= names
    assert all(k.level == "county" for k in kids)


def test_contacts_from_the_notices(campaign):
    c = campaign.contact(campaign.unit("泰安市"), "mem")
    assert (c.name, c.phones, c.email) == ("庄颂", ("6993769", "13053833566"), "tagksm@163.com")
    assert campaign.contact(campaign.unit("全国"), "samr").name == "刘春"


def _broken(source: str, old: str, new: str) -> CampaignError:
    assert old in source
    with pytest.raises(CampaignError) as e:
        parse_campaign(source.replace(old, new, 1), "c.toml")
    return e.value


def _line_of(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


def test_error_names_line_and_key_for_bad_type(source):
    old = '{ id = "self_problems", group = "自查自改情况", label = "自查出的问题总数(项)", type = "count"'
    err = _broken(source, old, old.replace('"count"', '"cnt"'))
    assert err.key == "forms.mem-stats.columns[2].type"
    assert err.line == _line_of(source, old)
    assert "cnt" in str(err) and "c.toml" in str(err) and f"第 {err.line} 行" in str(err)


def test_error_for_bad_date(source):
    old = '{ level = "city", date = "2024-06-24"'
    err = _broken(source, old, old.replace("2024-06-24", "2024-06-31"))
    assert err.key == "milestones.midterm.deadlines[1].date"
    assert err.line == _line_of(source, old)


def test_error_for_unknown_key(source):
    err = _broken(source, 'name = "动员部署"', 'nmae = "动员部署"')
    assert err.key == "phases[0].nmae"
    assert err.line == _line_of(source, 'name = "动员部署"')
    assert "未知的键" in err.message


def test_error_for_missing_key(source):
    err = _broken(source, 'office = "应急管理部"\n', "")
    assert err.key == "contacts[5].office"
    assert "缺少" in err.message


def test_error_for_rule_with_unknown_field(source):
    err = _broken(source, 'left = "to_police"', 'left = "to_polise"')
    assert err.key == "rules[0].left"
    assert err.line == _line_of(source, 'left = "to_police"')
    assert "to_polise" in err.message


def test_error_for_toml_syntax(source):
    err = _broken(source, "year = 2024", "year = = 2024")
    assert err.line == _line_of(source, "year = 2024")


def test_unreadable_file(tmp_path):
    from reportkit.model.campaign import load_campaign

    with pytest.raises(CampaignError):
        load_campaign(tmp_path / "missing.toml")
