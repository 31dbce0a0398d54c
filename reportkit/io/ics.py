"""iCalendar (RFC 5545 / RFC 7986) feeds of a unit's deadlines, built with the icalendar library.

Design:

- Every event is an all-day event: ``DTSTART;VALUE=DATE`` on the day, ``DTEND;VALUE=DATE`` the
  day after (DTEND is exclusive).
- ``UID`` = the entry id + ``@reportkit`` (``tzzy-2024.370900.mem.deploy.own@reportkit``): campaign,
  unit, line, milestone and kind, never random; the calendar's own ``UID`` likewise.
- ``SEQUENCE`` and ``DTSTAMP`` are revision counters kept *in the published feed itself*. When a
  feed is regenerated over an existing file, each event is compared with the event of the same UID
  in that file, both without SEQUENCE and DTSTAMP: unchanged → both are carried over; changed (a
  moved deadline, a new phone number) → ``SEQUENCE`` + 1; new → 0. ``DTSTAMP`` is then derived
  from the campaign data and that sequence: the campaign's start date, 00:00 UTC, plus SEQUENCE
  minutes. So the stamp never comes from the clock, only a revised event's stamp and sequence
  rise, and a regeneration with nothing changed is byte-identical. The file a subscriber polls is
  exactly the state its client saw last, so there is no side file to lose or get out of step; a
  feed written to a new path starts again at 0 (a new subscription anyway). A date that goes back
  to an earlier value still rises, which a function of the date alone could not guarantee.
- ``NAME`` / ``X-WR-CALNAME``, ``DESCRIPTION`` / ``X-WR-CALDESC``, ``REFRESH-INTERVAL;VALUE=DURATION``
  (icalendar writes the VALUE parameter only when told to) and ``X-PUBLISHED-TTL`` (Outlook).
- ``VALARM`` display alarms (09:00 three days and one day before one's own deadlines, the day
  before a subordinates' deadline). Subscribed feeds' alarms are ignored by Google and Outlook;
  `build_feed(..., remind=N)` adds reminder events instead.
- Written atomically (a temporary file in the same folder, then ``os.replace``), and only when the
  bytes differ, so an unchanged feed keeps its modification time (the server's Last-Modified).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from icalendar import TRANSP, Alarm, Calendar, Component, Event, vDuration, vText

from reportkit.io.atomic import atomic_write
from reportkit.messages import msg
from reportkit.model.deadlines import Entry, Feed

PRODID = "-//reportkit//专项治理截止日期//ZH"
UID_DOMAIN = "reportkit"
REFRESH = dt.timedelta(hours=12)
CATEGORIES = {
    "own": "报送截止",
    "receive": "下级报送截止",
    "phase": "活动阶段",
    "remind-own": "提醒",
    "remind-receive": "提醒",
}
# (trigger relative to the start of the all-day event, days before for the message)
ALARMS = {
    "own": ((dt.timedelta(days=-3, hours=9), 3), (dt.timedelta(days=-1, hours=9), 1)),
    "receive": ((dt.timedelta(days=-1, hours=9), 1),),
    "remind-own": ((dt.timedelta(hours=9), 0),),
    "remind-receive": ((dt.timedelta(hours=9), 0),),
    "phase": (),
}
_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


class NotACalendar(ValueError):
    """The output path holds something that is not a reportkit calendar: it is not overwritten."""


@dataclass(frozen=True)
class Written:
    path: Path
    state: str  # "written" or "unchanged"
    events: int
    changed: tuple[str, ...]  # UIDs whose SEQUENCE rose or that are new


def feed_filename(feed: Feed) -> str:
    """``<code>-<line>-<agency>.ics``, e.g. ``370900-mem-泰安市应急管理局.ics``."""
    agency = _UNSAFE_FILENAME.sub("_", feed.agency).strip(" .")
    return f"{feed.region.code}-{feed.line}-{agency}.ics"


def uid(entry_or_feed_id: str) -> str:
    return f"{entry_or_feed_id}@{UID_DOMAIN}"


def base_stamp(feed: Feed) -> dt.datetime:
    """DTSTAMP of a never-revised event: the campaign's start, 00:00 UTC."""
    return dt.datetime.combine(feed.starts, dt.time(), tzinfo=dt.timezone.utc)


# ---------------------------------------------------------------------------------- building


def build_calendar(feed: Feed, previous: bytes | None = None) -> tuple[bytes, tuple[str, ...]]:
    """The feed as iCalendar bytes, continuing the SEQUENCE/DTSTAMP of `previous` (the file it
    replaces, if any); also the UIDs that are new or revised."""
    before = _revisions(previous)
    cal = Calendar.new(
        prodid=PRODID,
        uid=uid(feed.id),
        name=feed.name,
        description=feed.description,
        calscale="GREGORIAN",
        refresh_interval=REFRESH,
    )
    # icalendar 7 copies NAME/DESCRIPTION into X-WR-CALNAME/X-WR-CALDESC as untyped values that
    # it does not escape (a newline breaks the output): make them TEXT.
    cal["X-WR-CALNAME"] = vText(feed.name)
    cal["X-WR-CALDESC"] = vText(feed.description)
    # RFC 7986 writes the value type explicitly; icalendar 7 leaves the default type out.
    cal["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"
    cal.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    cal.add("X-WR-TIMEZONE", feed.timezone)
    changed = []
    for entry in feed.entries:
        event = _event(feed, entry, 0)
        key = _content(event)
        old = before.get(str(event["UID"]))
        if old is None:
            changed.append(str(event["UID"]))
        elif old[0] == key:
            event = _event(feed, entry, old[1], old[2])
        else:
            event = _event(feed, entry, old[1] + 1)
            changed.append(str(event["UID"]))
        cal.add_component(event)
    return cal.to_ical(), tuple(changed)


def _event(feed: Feed, e: Entry, sequence: int, stamp: dt.datetime | None = None) -> Event:
    if stamp is None:
        stamp = base_stamp(feed) + dt.timedelta(minutes=sequence)
    contacts = []
    if e.contact is not None:
        contacts.append(f"{e.contact.office} {e.contact.name} {' '.join(e.contact.phones)}")
    event = Event.new(
        uid=uid(e.id),
        stamp=stamp,
        sequence=sequence,
        start=e.date,
        end=e.date + dt.timedelta(days=1),
        summary=e.summary,
        description=e.description,
        categories=[CATEGORIES[e.kind]],
        contacts=contacts or None,
        transparency=TRANSP.TRANSPARENT,
    )
    for n, (trigger, days) in enumerate(ALARMS[e.kind], 1):
        alarm = Alarm()
        alarm.add("UID", f"{e.id}.alarm{n}@{UID_DOMAIN}")
        alarm.add("ACTION", "DISPLAY")
        alarm.add("TRIGGER", trigger)
        text = (
            e.summary
            if days == 0
            else msg("calendar.alarm.tomorrow", summary=e.summary)
            if days == 1
            else msg("calendar.alarm.days", days=days, summary=e.summary)
        )
        alarm.add("DESCRIPTION", text)
        event.add_component(alarm)
    return event


def _content(event: Component) -> bytes:
    """The event as text without SEQUENCE and DTSTAMP: what a revision is measured against."""
    copy = Event.from_ical(event.to_ical())
    for prop in ("SEQUENCE", "DTSTAMP"):
        copy.pop(prop, None)
    return copy.to_ical()


def _revisions(previous: bytes | None) -> dict[str, tuple[bytes, int, dt.datetime]]:
    """UID → (content, SEQUENCE, DTSTAMP) of every event in the previous feed."""
    if not previous:
        return {}
    cal = read_calendar(previous)
    out = {}
    for ev in cal.walk("VEVENT"):
        stamp = ev.get("DTSTAMP")
        seq = ev.get("SEQUENCE", 0)
        if stamp is None:
            continue
        out[str(ev["UID"])] = (_content(ev), int(seq), stamp.dt)
    return out


def read_calendar(data: bytes) -> Calendar:
    """Parse a feed reportkit wrote; NotACalendar for anything else."""
    try:
        cal = Calendar.from_ical(data)
    except Exception as e:  # icalendar raises ValueError and friends on junk
        raise NotACalendar(str(e)) from e
    if not isinstance(cal, Calendar) or not str(cal.get("PRODID", "")).startswith("-//reportkit//"):
        raise NotACalendar("not a reportkit calendar")
    return cal


# ----------------------------------------------------------------------------------- writing


def write_calendar(path: str | os.PathLike[str], feed: Feed) -> Written:
    """Write `feed` to `path` (atomically; not at all when the bytes are the same)."""
    path = Path(path)
    previous = path.read_bytes() if path.is_file() else None
    if previous is not None:
        try:
            read_calendar(previous)
        except NotACalendar as e:
            raise NotACalendar(msg("calendar.not_a_calendar", path=path)) from e
    data, changed = build_calendar(feed, previous)
    events = len(feed.entries)
    if previous == data:
        return Written(path, "unchanged", events, ())
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, data)
    return Written(path, "written", events, changed)


def publish_feeds(folder: str | os.PathLike[str], feeds: list[Feed]) -> list[Written]:
    """Keep `folder` holding exactly `feeds`: each written by `write_calendar` (so it continues
    the SEQUENCE/DTSTAMP of the file it replaces and is rewritten only when its bytes change),
    and every other reportkit feed there removed (a unit or line the campaign no longer has).
    Files that are not reportkit calendars are left alone."""
    folder = Path(folder)
    written = [write_calendar(folder / feed_filename(f), f) for f in feeds]
    keep = {w.path.name for w in written}
    for stale in folder.glob("*.ics"):
        if stale.name in keep or not stale.is_file():
            continue
        try:
            read_calendar(stale.read_bytes())
        except (NotACalendar, OSError):
            continue
        stale.unlink()
    return written
