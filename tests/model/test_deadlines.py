"""Calendar entries of a unit: own deadlines, subordinates' deadlines, phases, reminders."""

from __future__ import annotations

import datetime as dt
from importlib import resources

from reportkit.model.campaign import parse_campaign
from reportkit.model.deadlines import build_feed, feed_units, workdays_before

D = dt.date


def _by(feed, kind):
    return {e.key: e for e in feed.entries if e.kind == kind}


def test_taian_mem_holds_exactly_its_two_levels_and_the_phases(campaign):
    feed = build_feed(campaign, campaign.unit("泰安市"), "mem")
    own, receive, phases = _by(feed, "own"), _by(feed, "receive"), _by(feed, "phase")
    assert {k: e.date for k, e in own.items()} == {
        "deploy": D(2024, 3, 29),
        "midterm": D(2024, 6, 24),
        "final": D(2024, 11, 4),
    }
    assert {k: e.date for k, e in receive.items()} == {
        "deploy": D(2024, 3, 28),
        "midterm": D(2024, 6, 21),
        "final": D(2024, 11, 1),
    }
    assert {k: e.date for k, e in phases.items()} == {
        "mobilize": D(2024, 3, 31),
        "self_check": D(2024, 6, 30),
        "inspection": D(2024, 10, 31),
    }
    assert len(feed.entries) == 9
    assert [e.date for e in feed.entries] == sorted(e.date for e in feed.entries)
    assert feed.id == "tzzy-2024.370900.mem"
    assert own["midterm"].id == "tzzy-2024.370900.mem.midterm.own"
    assert receive["final"].id == "tzzy-2024.370900.mem.final.receive"
    assert phases["mobilize"].id == "tzzy-2024.370900.mem.mobilize.phase"


def test_own_deadline_says_what_to_whom_and_the_receiving_contact(campaign):
    e = _by(build_feed(campaign, campaign.unit("泰安市"), "mem"), "own")["midterm"]
    assert e.counterpart == "山东省应急管理厅"
    assert e.contact.name == "焦佳佳"
    assert "报山东省应急管理厅" in e.summary
    for text in (
        "焦佳佳",
        "0531-51787896",
        "2024-06-24（星期一）",
        "附件2 工作情况统计表(应急管理)",
    ):
        assert text in e.description
    assert "鲁市监稽字〔2024〕59号" in e.description
    assert e.forms == ("mem-stats",)


def test_subordinates_deadline_says_how_many_and_which_template(campaign):
    e = _by(build_feed(campaign, campaign.unit("泰安市"), "samr"), "receive")["midterm"]
    assert e.count == 10 and "10 个单位" in e.summary
    assert "泰山区" in e.description and "徂汶景区" in e.description
    assert "附件1 工作情况统计表(市场监管)" in e.description
    assert "reportkit template --unit 泰安市 --form samr-stats --line samr --children" in (
        e.description
    )
    assert "张爱民" in e.description  # the unit's own contact, who receives


def test_holiday_and_weekend_deadlines_give_the_last_working_day(campaign):
    own = _by(build_feed(campaign, campaign.unit("山东省"), "mem"), "own")
    deploy = own["deploy"]
    assert deploy.date == D(2024, 4, 5)
    assert deploy.facts.holiday == "清明节" and deploy.facts.last_workday == D(2024, 4, 3)
    assert "清明节" in deploy.summary and "4月3日" in deploy.summary
    assert "2024-04-03" in deploy.description
    assert own["midterm"].facts.last_workday == D(2024, 6, 28)
    assert "周末" in own["midterm"].summary
    assert own["deploy"].counterpart == "应急管理部" and own["deploy"].contact.name == "赵天骄"
    assert "治理工作部署情况" in own["deploy"].description  # the level's own wording


def test_county_has_only_own_deadlines_and_national_only_subordinates(campaign):
    county = build_feed(campaign, campaign.unit("泰山区"), "mem")
    assert {e.kind for e in county.entries} == {"own", "phase"}
    assert _by(county, "own")["deploy"].contact.name == "庄颂"
    national = build_feed(campaign, campaign.unit("全国"), "samr")
    assert {e.kind for e in national.entries} == {"receive", "phase"}
    assert {e.count for e in national.entries if e.kind == "receive"} == {31}
    assert national.agency == "国家市场监督管理总局"


def test_ids_are_stable_and_unique(campaign):
    ids = []
    for unit in feed_units(campaign):
        for line in campaign.lines:
            a = build_feed(campaign, unit, line, remind=2)
            assert a == build_feed(campaign, unit, line, remind=2)
            ids += [e.id for e in a.entries]
    assert len(ids) == len(set(ids))


def test_reminders_count_official_working_days(campaign):
    feed = build_feed(campaign, campaign.unit("泰安市"), "mem", remind=3)
    rem = {e.key: e for e in feed.entries if e.kind == "remind-own"}
    assert rem["deploy"].date == D(2024, 3, 26) and rem["deploy"].deadline == D(2024, 3, 29)
    assert rem["deploy"].id == "tzzy-2024.370900.mem.deploy.remind-own"
    assert "3 个工作日后" in rem["deploy"].summary
    assert {e.kind for e in feed.entries} == {
        "own",
        "receive",
        "phase",
        "remind-own",
        "remind-receive",
    }
    assert len(feed.entries) == 9 + 6


def test_workdays_before_knows_adjusted_working_weekends():
    # 2024-10-01..07 National Day; Sunday 2024-09-29 was worked in lieu (调休)
    assert workdays_before(D(2024, 10, 8), 1) == (D(2024, 9, 30), True)
    assert workdays_before(D(2024, 10, 8), 2) == (D(2024, 9, 29), True)
    assert workdays_before(D(2099, 6, 1), 2) == (D(2099, 5, 28), False)  # Mon–Fri fallback


def test_a_year_without_holiday_data_is_noted_not_a_crash():
    text = (
        resources.files("reportkit.campaigns")
        .joinpath("tzzy-2024/campaign.toml")
        .read_text("utf-8")
    )
    text = text.replace(
        '{ level = "county", date = "2024-11-01"', '{ level = "county", date = "2099-11-02"'
    ).replace('ends = "2024-12-31"', 'ends = "2099-12-31"')  # a deadline must be in the campaign
    c = parse_campaign(text)
    feed = build_feed(c, c.unit("泰安市"), "mem", remind=2)
    e = _by(feed, "receive")["final"]
    assert e.date == D(2099, 11, 2) and e.facts.workday is None
    assert "2099" in e.description
    rem = next(x for x in feed.entries if x.kind == "remind-receive" and x.key == "final")
    assert rem.date == D(2099, 10, 29) and "周一至周五" in rem.description


def test_feed_units_default_and_for_a_unit(campaign):
    names = [r.name for r in feed_units(campaign)]
    assert names[:3] == ["全国", "山东省", "泰安市"]
    assert len(names) == 13 and "徂汶景区" in names and "新泰市" in names
    shandong = feed_units(campaign, campaign.unit("山东省"))
    assert [r.name for r in shandong[:2]] == ["全国", "山东省"] and len(shandong) == 18
    assert [r.name for r in feed_units(campaign, campaign.unit("全国"))][:1] == ["全国"]
    assert len(feed_units(campaign, campaign.unit("全国"))) == 32


def test_a_unit_without_a_listed_contact_says_so():
    text = (
        resources.files("reportkit.campaigns")
        .joinpath("tzzy-2024/campaign.toml")
        .read_text("utf-8")
    )
    block = 'office = "泰安市应急管理局"\nname = "庄颂"'
    assert block in text
    # without 泰安市's mem contact, a county's own deadline names the office and says so
    c = parse_campaign(
        text.replace('unit = "370900"\nline = "mem"', 'unit = "370100"\nline = "mem"', 1)
    )
    own = _by(build_feed(c, c.unit("泰山区"), "mem"), "own")["deploy"]
    assert own.contact is None and own.counterpart == "泰安市应急管理局"
    assert "未列出" in own.description and "泰安市应急管理局" in own.description


def test_subordinates_under_different_deadlines_get_one_entry_per_group():
    text = (
        resources.files("reportkit.campaigns")
        .joinpath("tzzy-2024/campaign.toml")
        .read_text("utf-8")
    )
    anchor = '  { level = "county", date = "2024-03-28", scope = "370900", source = "局函〔2024〕81号" },\n'
    assert anchor in text
    c = parse_campaign(
        text.replace(
            anchor, anchor + '  { level = "county", scope = "370902", date = "2024-03-27" },\n'
        )
    )
    feed = build_feed(c, c.unit("泰安市"), "mem")
    deploy = {e.id: e for e in feed.entries if e.kind == "receive" and e.key == "deploy"}
    assert {i: (e.date, e.count) for i, e in deploy.items()} == {
        "tzzy-2024.370900.mem.deploy.receive-county-370900": (D(2024, 3, 28), 9),
        "tzzy-2024.370900.mem.deploy.receive-county-370902": (D(2024, 3, 27), 1),
    }
