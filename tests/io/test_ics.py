"""iCalendar feeds: RFC 5545 structure, two independent parsers, stable UIDs, revisions, bytes."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
import vobject
from icalendar import Calendar

from reportkit.io.ics import (
    PRODID,
    NotACalendar,
    base_stamp,
    build_calendar,
    feed_filename,
    write_calendar,
)
from reportkit.model.campaign import parse_campaign
from reportkit.model.deadlines import build_feed

ROOT = Path(__file__).resolve().parents[2]
CALENDARS = ROOT / "calendars"
FEEDS = sorted(CALENDARS.glob("*.ics"))
TAIAN_MEM = CALENDARS / "370900-mem-泰安市应急管理局.ics"


def _toml() -> str:
    return (
        resources.files("reportkit.campaigns")
        .joinpath("tzzy-2024/campaign.toml")
        .read_text("utf-8")
    )


def _events(data: bytes) -> dict[str, object]:
    return {str(e["UID"]): e for e in Calendar.from_ical(data).walk("VEVENT")}


# ---------------------------------------------------------------------------- committed feeds


def test_committed_feeds_cover_the_default_units_and_both_lines():
    codes = {p.name.split("-")[0] for p in FEEDS}
    assert len(FEEDS) == 26
    assert {"000000", "370000", "370900", "370902", "370974", "370983"} <= codes
    assert len(codes) == 13
    assert {p.name.split("-")[1] for p in FEEDS} == {"mem", "samr"}


def test_committed_feeds_are_current(tmp_path):
    out = tmp_path / "calendars"
    shutil.copytree(CALENDARS, out)  # the feeds carry their own SEQUENCE state
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "regenerate_calendars.py"), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    fresh = {p.name: p.read_bytes() for p in out.glob("*.ics")}
    committed = {p.name: p.read_bytes() for p in FEEDS}
    assert sorted(fresh) == sorted(committed), "run python scripts/regenerate_calendars.py"
    stale = [n for n in fresh if fresh[n] != committed[n]]
    assert not stale, f"out of date: {stale[:5]} — run python scripts/regenerate_calendars.py"


@pytest.mark.parametrize("path", FEEDS, ids=[p.stem for p in FEEDS])
def test_every_feed_is_rfc5545_in_icalendar(path):
    raw = path.read_bytes()
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded by octets
    cal = Calendar.from_ical(raw)
    assert str(cal["VERSION"]) == "2.0" and str(cal["PRODID"]) == PRODID
    assert str(cal["UID"]).endswith("@reportkit")
    assert str(cal["NAME"]) == str(cal["X-WR-CALNAME"]) and "专项治理" in str(cal["NAME"])
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT12H\r\n" in raw
    assert b"\r\nX-PUBLISHED-TTL:PT12H\r\n" in raw
    assert cal.refresh_interval == dt.timedelta(hours=12)
    events = cal.walk("VEVENT")
    assert events
    for ev in events:
        start, end = ev["DTSTART"], ev["DTEND"]
        assert start.params.get("VALUE") == "DATE" and end.params.get("VALUE") == "DATE"
        assert type(start.dt) is dt.date and end.dt == start.dt + dt.timedelta(days=1)
        assert ev["DTSTAMP"].dt.tzinfo is not None  # UTC
        assert int(ev["SEQUENCE"]) >= 0
        assert str(ev["UID"]).startswith(str(cal["UID"]).removesuffix("@reportkit") + ".")
        assert str(ev["TRANSP"]) == "TRANSPARENT"
        for alarm in ev.walk("VALARM"):
            assert str(alarm["ACTION"]) == "DISPLAY" and str(alarm["DESCRIPTION"])
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids))


@pytest.mark.parametrize("path", FEEDS, ids=[p.stem for p in FEEDS])
def test_every_feed_parses_in_vobject(path):
    cal = vobject.readOne(path.read_text("utf-8"))
    mine = Calendar.from_ical(path.read_bytes())
    assert cal.x_wr_calname.value == str(mine["X-WR-CALNAME"])
    events = cal.vevent_list
    assert len(events) == len(mine.walk("VEVENT"))
    for ev, other in zip(events, mine.walk("VEVENT"), strict=True):
        assert ev.uid.value == str(other["UID"])
        assert ev.dtstart.value == other["DTSTART"].dt
        assert ev.dtend.value - ev.dtstart.value == dt.timedelta(days=1)
        assert ev.summary.value == str(other["SUMMARY"])
        assert ev.description.value == str(other["DESCRIPTION"])  # unescaped identically


def test_taian_mem_events_are_exactly_the_design_deadlines_and_phases():
    events = _events(TAIAN_MEM.read_bytes())
    got = {uid.removesuffix("@reportkit"): e["DTSTART"].dt.isoformat() for uid, e in events.items()}
    p = "tzzy-2024.370900.mem."
    assert got == {
        p + "deploy.own": "2024-03-29",
        p + "midterm.own": "2024-06-24",
        p + "final.own": "2024-11-04",
        p + "deploy.receive": "2024-03-28",
        p + "midterm.receive": "2024-06-21",
        p + "final.receive": "2024-11-01",
        p + "mobilize.phase": "2024-03-31",
        p + "self_check.phase": "2024-06-30",
        p + "inspection.phase": "2024-10-31",
    }
    own = events[p + "midterm.own@reportkit"]
    assert "山东省应急管理厅" in str(own["SUMMARY"])
    assert "焦佳佳" in str(own["DESCRIPTION"]) and "0531-51787896" in str(own["DESCRIPTION"])
    assert "焦佳佳" in str(own["CONTACT"])
    assert len(own.walk("VALARM")) == 2
    receive = events[p + "final.receive@reportkit"]
    assert "10 个单位" in str(receive["SUMMARY"]) and "附件2" in str(receive["DESCRIPTION"])


def test_holidays_are_noted_in_the_feed():
    events = _events((CALENDARS / "370000-mem-山东省应急管理厅.ics").read_bytes())
    deploy = events["tzzy-2024.370000.mem.deploy.own@reportkit"]
    assert deploy["DTSTART"].dt == dt.date(2024, 4, 5)
    assert "清明节" in str(deploy["SUMMARY"]) and "4月3日" in str(deploy["SUMMARY"])
    assert "清明节" in str(deploy["DESCRIPTION"]) and "2024-04-03" in str(deploy["DESCRIPTION"])
    final = events["tzzy-2024.370000.mem.final.own@reportkit"]
    assert "周末" in str(final["SUMMARY"]) and "2024-11-08" in str(final["DESCRIPTION"])


# ------------------------------------------------------------------------ revisions and bytes


def test_stamps_come_from_the_campaign_not_the_clock(campaign):
    feed = build_feed(campaign, campaign.unit("泰安市"), "samr")
    data, changed = build_calendar(feed)
    assert len(changed) == len(feed.entries)
    for ev in _events(data).values():
        assert (
            ev["DTSTAMP"].dt == base_stamp(feed) == dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc)
        )
        assert int(ev["SEQUENCE"]) == 0
    assert build_calendar(feed)[0] == data


def test_regenerating_unchanged_gives_identical_bytes_and_keeps_the_file(campaign, tmp_path):
    feed = build_feed(campaign, campaign.unit("泰安市"), "mem", remind=2)
    path = tmp_path / "子目录 含空格" / feed_filename(feed)
    first = write_calendar(path, feed)
    assert first.state == "written" and path.read_bytes()
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    again = write_calendar(path, build_feed(campaign, campaign.unit("泰安市"), "mem", remind=2))
    assert again.state == "unchanged" and again.changed == ()
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def _changed_campaign(old: str, new: str):
    text = _toml()
    before = '{ level = "city", date = "' + old + '"'
    assert before in text
    return parse_campaign(text.replace(before, '{ level = "city", date = "' + new + '"'))


def test_changing_one_deadline_changes_only_that_event(campaign, tmp_path):
    path = tmp_path / "taian.ics"
    region = campaign.unit("泰安市")
    write_calendar(path, build_feed(campaign, region, "mem"))
    old_bytes = path.read_bytes()
    moved = _changed_campaign("2024-06-24", "2024-06-26")
    w = write_calendar(path, build_feed(moved, moved.unit("泰安市"), "mem"))
    uid = "tzzy-2024.370900.mem.midterm.own@reportkit"
    assert w.state == "written" and w.changed == (uid,)
    old, new = _events(old_bytes), _events(path.read_bytes())
    assert set(old) == set(new)
    for u in old:
        if u != uid:
            assert old[u].to_ical() == new[u].to_ical(), u
    a, b = old[uid], new[uid]
    assert (int(a["SEQUENCE"]), int(b["SEQUENCE"])) == (0, 1)
    assert b["DTSTAMP"].dt > a["DTSTAMP"].dt
    assert (a["DTSTART"].dt, b["DTSTART"].dt) == (dt.date(2024, 6, 24), dt.date(2024, 6, 26))
    assert b["DTEND"].dt == dt.date(2024, 6, 27)
    differing = {k for k in set(a) | set(b) if a.get(k) != b.get(k)}
    # the description states the date, so it changes with it; nothing else does
    assert differing == {"DTSTAMP", "SEQUENCE", "DTSTART", "DTEND", "DESCRIPTION"}
    assert str(a["DESCRIPTION"]).replace("2024-06-24（星期一）", "2024-06-26（星期三）") == str(
        b["DESCRIPTION"]
    )
    # the calendar-level lines are untouched
    head = lambda data: data.split(b"BEGIN:VEVENT")[0]  # noqa: E731
    assert head(old_bytes) == head(path.read_bytes())

    # moving it back is another revision: the sequence keeps rising, never falls
    w = write_calendar(path, build_feed(campaign, region, "mem"))
    back = _events(path.read_bytes())[uid]
    assert w.changed == (uid,) and int(back["SEQUENCE"]) == 2
    assert back["DTSTART"].dt == dt.date(2024, 6, 24) and back["DTSTAMP"].dt > b["DTSTAMP"].dt
    # and regenerating again is a no-op
    assert write_calendar(path, build_feed(campaign, region, "mem")).state == "unchanged"


def test_reminder_events_and_alarms(campaign):
    feed = build_feed(campaign, campaign.unit("泰安市"), "mem", remind=3)
    events = _events(build_calendar(feed)[0])
    rem = events["tzzy-2024.370900.mem.deploy.remind-own@reportkit"]
    assert rem["DTSTART"].dt == dt.date(2024, 3, 26)
    assert "提醒" in str(rem["SUMMARY"]) and str(rem["CATEGORIES"].cats[0]) == "提醒"
    (alarm,) = rem.walk("VALARM")
    assert alarm["TRIGGER"].dt == dt.timedelta(hours=9)  # 09:00 that day
    own = events["tzzy-2024.370900.mem.deploy.own@reportkit"]
    triggers = sorted(a["TRIGGER"].dt for a in own.walk("VALARM"))
    assert triggers == [dt.timedelta(days=-3, hours=9), dt.timedelta(days=-1, hours=9)]
    assert all(str(a["UID"]).endswith("@reportkit") for a in own.walk("VALARM"))
    vobject.readOne(build_calendar(feed)[0].decode("utf-8"))  # the second parser too


def test_refuses_to_overwrite_something_that_is_not_a_reportkit_calendar(campaign, tmp_path):
    feed = build_feed(campaign, campaign.unit("泰安市"), "mem")
    for content in (
        b"PK\x03\x04 a workbook",
        b"BEGIN:VCALENDAR\r\nPRODID:other\r\nEND:VCALENDAR\r\n",
    ):
        path = tmp_path / "x.ics"
        path.write_bytes(content)
        with pytest.raises(NotACalendar):
            write_calendar(path, feed)
        assert path.read_bytes() == content
