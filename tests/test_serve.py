"""`reportkit serve` over a real loopback socket: feeds, conditional requests, traversal, page."""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import html
import http.client
import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from reportkit.serve import make_server

ROOT = Path(__file__).resolve().parents[1]
FEEDS = ["370900-mem-泰安市应急管理局.ics", "370000-samr-山东省市场监督管理局.ics"]


@pytest.fixture
def site(tmp_path):
    cal = tmp_path / "日历 目录"
    cal.mkdir()
    for name in FEEDS:
        shutil.copy(ROOT / "calendars" / name, cal / name)
    (cal / "secret.txt").write_text("not served", "utf-8")
    (tmp_path / "outside.ics").write_bytes((cal / FEEDS[0]).read_bytes())
    with contextlib.suppress(OSError, NotImplementedError):  # Windows without the privilege
        (cal / "link.ics").symlink_to(tmp_path / "outside.ics")
    out = tmp_path / "outputs"
    out.mkdir()
    return cal, out


@pytest.fixture
def server(site, campaign):
    cal, out = site
    srv = make_server("127.0.0.1", 0, cal, out, quiet=True, campaign=campaign)
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(5)


def get(srv, path: str, method: str = "GET", headers: dict | None = None):
    host, port = srv.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        skip_host = "Host" in (headers or {})
        conn.putrequest(method, path, skip_host=skip_host, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


def feed_url(name: str) -> str:
    return "/calendars/" + quote(name)


def test_loopback_by_default(site):
    srv = make_server(port=0, calendars=site[0], quiet=True)
    try:
        assert srv.server_address[0] == "127.0.0.1"
    finally:
        srv.server_close()


def test_feed_is_served_with_type_etag_and_last_modified(server, site):
    status, headers, body = get(server, feed_url(FEEDS[0]))
    assert status == 200
    assert body == (site[0] / FEEDS[0]).read_bytes()
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert headers["ETag"].startswith('"') and headers["ETag"].endswith('"')
    mtime = int((site[0] / FEEDS[0]).stat().st_mtime)
    assert email.utils.parsedate_to_datetime(headers["Last-Modified"]).timestamp() == mtime
    assert int(headers["Content-Length"]) == len(body)
    status, head_headers, head_body = get(server, feed_url(FEEDS[0]), "HEAD")
    assert status == 200 and head_body == b"" and head_headers["ETag"] == headers["ETag"]


def test_conditional_requests_answer_304(server):
    _, headers, _ = get(server, feed_url(FEEDS[0]))
    etag, modified = headers["ETag"], headers["Last-Modified"]
    for cond in (
        {"If-None-Match": etag},
        {"If-None-Match": f'"other", W/{etag}'},
        {"If-None-Match": "*"},
        {"If-Modified-Since": modified},
        {"If-Modified-Since": email.utils.formatdate(2_000_000_000, usegmt=True)},
    ):
        status, h, body = get(server, feed_url(FEEDS[0]), headers=cond)
        assert status == 304 and body == b"", cond
        assert h["ETag"] == etag
    for cond in (
        {"If-None-Match": '"other"'},
        {"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"},
        {"If-Modified-Since": "not a date"},
        # If-None-Match decides when both are present
        {"If-None-Match": '"other"', "If-Modified-Since": modified},
    ):
        status, _, body = get(server, feed_url(FEEDS[0]), headers=cond)
        assert status == 200 and body, cond


def test_a_changed_feed_gets_a_new_etag(server, site):
    _, before, _ = get(server, feed_url(FEEDS[1]))
    path = site[0] / FEEDS[1]
    path.write_bytes(path.read_bytes().replace(b"SEQUENCE:0", b"SEQUENCE:1", 1))
    status, after, _ = get(server, feed_url(FEEDS[1]), headers={"If-None-Match": before["ETag"]})
    assert status == 200 and after["ETag"] != before["ETag"]


@pytest.mark.parametrize(
    "path",
    [
        "/calendars/nope.ics",
        "/calendars/secret.txt",
        "/calendars/link.ics",
        "/calendars/../outside.ics",
        "/calendars/%2e%2e/outside.ics",
        "/calendars/%2E%2E%2Foutside.ics",
        "/calendars/..%2foutside.ics",
        "/calendars/..%5coutside.ics",
        "/calendars/%252e%252e%252foutside.ics",
        "/calendars//etc/passwd",
        "/calendars/%2fetc%2fpasswd",
        "/calendars/C:%5cWindows%5cwin.ini",
        "/calendars/",
        "/calendars/.hidden.ics",
        "/calendars/%ff%fe.ics",
        "/calendars/a%00.ics",
        "/../../etc/passwd",
        "/etc/passwd",
        "//etc/passwd",
        "/README.md",
        "http://127.0.0.1/calendars/" + quote(FEEDS[0]),
    ],
)
def test_paths_outside_the_folders_are_404(server, path):
    status, _, body = get(server, path)
    assert status == 404
    assert b"BEGIN:VCALENDAR" not in body and b"root:" not in body


def test_read_only(server):
    for method in ("POST", "PUT", "DELETE"):
        status, headers, _ = get(server, feed_url(FEEDS[0]), method)
        assert status == 405 and headers["Allow"] == "GET, HEAD"


def test_status_page_lists_every_feed_with_subscribe_links(server):
    status, headers, body = get(server, "/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    page = body.decode("utf-8")
    port = server.server_address[1]
    for name in FEEDS:
        assert f'href="webcal://127.0.0.1:{port}{feed_url(name)}"' in page
        assert f'href="http://127.0.0.1:{port}{feed_url(name)}"' in page
    assert "特种作业人员安全技术培训考核专项治理·泰安市应急管理局" in page
    assert "暂无汇总结果" in page
    assert "secret.txt" not in page
    # links are built from the server's own address, never from what a client claims
    for headers in (
        {"X-Forwarded-Proto": "https", "Host": "evil.example.com"},
        {"Host": '"><script>x</script>'},
    ):
        _, _, body = get(server, "/", headers=headers)
        assert b"evil.example.com" not in body and b"<script>x" not in body
        assert b"https://" not in body and f"http://127.0.0.1:{port}/".encode() in body


def test_behind_a_proxy_links_use_the_configured_address(site):
    srv = make_server("127.0.0.1", 0, site[0], quiet=True, public_url="https://rk.example.cn")
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        _, _, body = get(srv, "/", headers={"Host": "evil.example.com"})
        page = body.decode()
        assert f'href="https://rk.example.cn{feed_url(FEEDS[0])}"' in page
        assert f'href="webcal://rk.example.cn{feed_url(FEEDS[0])}"' in page
        assert "evil.example.com" not in page
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)


def test_completeness_board_from_rollup_summaries(server, site, campaign):
    summary = {
        "unit": "泰安市应急管理局",
        "code": "370900",
        "form": "mem-stats",
        "milestone": "midterm",
        "as_of": "2024-06-22T09:00:00+08:00",
        "children": [
            {"unit": "泰山区应急管理局", "code": "370902", "status": "on_time",
             "received_at": "2024-06-20T10:00:00+08:00"},
            {"unit": "岱岳区应急管理局", "code": "370911", "status": "missing", "received_at": None},
            {"unit": "<b>宁阳县</b>", "code": "370921", "status": "late", "received_at": None},
        ],
    }  # fmt: skip
    (site[1] / "370900-mem-stats-midterm.json").write_text(
        json.dumps(summary, ensure_ascii=False), "utf-8"
    )
    (site[1] / "broken.json").write_text("{", "utf-8")
    (site[1] / "other.json").write_text('{"not": "a roll-up"}', "utf-8")
    _, _, body = get(server, "/")
    page = body.decode()
    assert "暂无汇总结果" not in page
    form, milestone = campaign.forms["mem-stats"].name, campaign.milestones["midterm"].name
    assert f"泰安市应急管理局｜{form}｜{milestone}" in page
    assert "共 3 个下级单位：按时 1，逾期 1，缺报 1" in page
    assert "泰山区应急管理局" in page and "缺报" in page
    assert "&lt;b&gt;宁阳县&lt;/b&gt;" in page and "<b>宁阳县" not in page
    assert "broken.json" in page and "not" not in page.split("报送完成情况")[1].split("broken")[0]


def test_serve_command_starts_and_reports_its_address(tmp_path):
    cal = tmp_path / "cal"
    cal.mkdir()
    shutil.copy(ROOT / "calendars" / FEEDS[0], cal / FEEDS[0])
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "reportkit", "serve", "--port", "0", "--calendars", str(cal)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        line = proc.stdout.readline().decode("utf-8")
        assert "http://127.0.0.1:" in line
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", feed_url(FEEDS[0]))
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        proc.terminate()
        proc.wait(10)


def test_serve_command_missing_folder_is_a_usage_error(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "reportkit", "serve", "--calendars", str(tmp_path / "无")],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=60,
    )
    assert r.returncode == 2 and "找不到文件夹" in r.stderr.decode("utf-8")


CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian package chromium is not installed")
def test_status_page_in_headless_chromium(server):
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    with tempfile.TemporaryDirectory() as profile:
        r = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            timeout=120,
        )
    dom = r.stdout.decode("utf-8")
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")[-2000:]
    port = server.server_address[1]
    assert "截止日期日历与报送情况" in dom
    for name in FEEDS:
        assert f'href="webcal://127.0.0.1:{port}{feed_url(name)}"' in dom
        assert f'href="http://127.0.0.1:{port}{feed_url(name)}"' in dom
    assert dom.count('class="webcal"') == len(FEEDS)


# --------------------------------------------------------- issue 13: what a clerk hits first


def cli_env(**extra: str) -> dict[str, str]:
    """The environment for `python -m reportkit` run from any folder: this checkout first."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", **extra}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


@contextlib.contextmanager
def serve_cli(*args: str, cwd: Path, home: Path):
    """`reportkit serve ARGS` as a clerk starts it; yields (its announcement, the port)."""
    env = cli_env(REPORTKIT_HOME=str(home))
    proc = subprocess.Popen(
        [sys.executable, "-m", "reportkit", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=env,
    )
    said: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for raw in proc.stdout:
            said.put(raw.decode("utf-8"))
        said.put(None)  # it stopped

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        lines: list[str] = []
        while True:  # the announcement ends with the address to open on this machine
            try:
                line = said.get(timeout=60)
            except queue.Empty:
                line = ""
            if not line:
                proc.kill()
                proc.wait(10)
                err = proc.stderr.read().decode("utf-8", "replace")
                pytest.fail(f"no address of this machine announced: {''.join(lines)!r} {err}")
            lines.append(line)
            if "http://127.0.0.1:" in line:
                break
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        yield "".join(lines), port
    finally:
        proc.terminate()
        proc.wait(10)
        reader.join(10)
        proc.stdout.close()
        proc.stderr.close()


def fetch(port: int, path: str, headers: dict | None = None, host: str = "127.0.0.1"):
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


def calendar_all(out: Path) -> dict[str, bytes]:
    """What `reportkit calendar --all` writes into an empty folder: file name → bytes."""
    r = subprocess.run(
        [sys.executable, "-m", "reportkit", "calendar", "--all", "-o", str(out)],
        capture_output=True,
        env=cli_env(),
        timeout=120,
    )
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")
    return {p.name: p.read_bytes() for p in out.glob("*.ics")}


def test_serve_in_a_folder_without_calendars_serves_the_campaigns_feeds(tmp_path):
    """A clerk runs `reportkit serve` where there is no calendars/ folder: it used to stop with
    找不到文件夹; now it serves the feeds `reportkit calendar --all` would write."""
    expected = calendar_all(tmp_path / "参照")
    desk = tmp_path / "桌面 文件夹"
    desk.mkdir()
    home = tmp_path / "数据"
    with serve_cli(cwd=desk, home=home) as (said, port):
        assert f"{len(expected)} 个日历" in said and str(home) in said
        _, _, page = fetch(port, "/")
        assert page.decode().count('class="webcal"') == len(expected)
        for name, data in expected.items():
            status, headers, body = fetch(port, feed_url(name))
            assert status == 200 and body == data, name
            assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert not (desk / "calendars").exists()  # nothing is written where the clerk stands


def _sequences(data: bytes) -> dict[str, int]:
    from icalendar import Calendar

    return {str(e["UID"]): int(e["SEQUENCE"]) for e in Calendar.from_ical(data).walk("VEVENT")}


def test_campaign_feeds_are_stable_across_restarts_and_a_moved_deadline_rises(tmp_path):
    from importlib import resources

    text = (
        resources.files("reportkit.campaigns")
        .joinpath("tzzy-2024/campaign.toml")
        .read_text("utf-8")
    )
    before = '{ level = "county", date = "2024-11-01", scope = "370900"'
    assert text.count(before) == 1
    campaign_file = tmp_path / "活动 2024.toml"
    campaign_file.write_text(text, "utf-8")
    home = tmp_path / "数据"
    moved = "370900-mem-泰安市应急管理局.ics"  # receives the county reports of `final`
    kept = "000000-mem-应急管理部.ics"  # no county deadline in it

    etags: dict[str, str] = {}  # what a subscriber's client remembers from the first start

    def state():
        """Start the server; each feed's (status, headers, body, status when polled with the
        remembered ETag); stop it."""
        out = {}
        with serve_cli("--campaign", str(campaign_file), cwd=tmp_path, home=home) as (_, port):
            for name in (moved, kept):
                status, headers, body = fetch(port, feed_url(name))
                polled = fetch(port, feed_url(name), {"If-None-Match": etags.get(name, '"-"')})
                out[name] = (status, headers, body, polled[0])
        return out

    first = state()
    etags.update({n: first[n][1]["ETag"] for n in first})
    time.sleep(1.1)  # a rewrite would show in Last-Modified (whole seconds)
    second = state()
    for name in (moved, kept):
        assert second[name][2] == first[name][2], name  # byte-identical after a restart
        assert second[name][1]["ETag"] == first[name][1]["ETag"]
        assert second[name][1]["Last-Modified"] == first[name][1]["Last-Modified"]
        assert second[name][3] == 304  # a subscriber polling with the old ETag
    campaign_file.write_text(
        text.replace(before, before.replace("2024-11-01", "2024-11-05")), "utf-8"
    )
    third = state()
    assert third[kept][2] == first[kept][2] and third[kept][3] == 304
    assert third[moved][0] == 200 and third[moved][3] == 200  # the old ETag no longer matches
    assert third[moved][1]["ETag"] != first[moved][1]["ETag"]
    old, new = _sequences(first[moved][2]), _sequences(third[moved][2])
    assert old.keys() == new.keys()
    risen = {uid for uid in new if new[uid] > old[uid]}
    assert risen and all(".final." in uid for uid in risen)
    assert all(new[uid] == old[uid] for uid in new.keys() - risen)
    assert b"DTSTART;VALUE=DATE:20241105" in third[moved][2]


def test_an_explicit_calendar_folder_is_served_as_it_is(tmp_path, site):
    home = tmp_path / "数据"
    with serve_cli("--calendars", str(site[0]), cwd=tmp_path, home=home) as (said, port):
        _, _, page = fetch(port, "/")
        assert page.decode().count('class="webcal"') == len(FEEDS)
        assert "个日历" not in said
    assert not home.exists()


# ------------------------------------------------------------------- every address (0.0.0.0)


def test_bound_to_every_address_it_names_the_addresses_colleagues_can_use(tmp_path, site):
    import ipaddress
    import re

    with serve_cli(
        "--host", "0.0.0.0", "--calendars", str(site[0]), cwd=tmp_path, home=tmp_path
    ) as (said, port):
        assert "0.0.0.0" not in said
        urls = re.findall(r"http://([0-9.]+):(\d+)/", said)
        lan = [host for host, p in urls if not ipaddress.ip_address(host).is_loopback]
        assert all(int(p) == port for _, p in urls)
        # this machine has an address on its default route: it must be among those named
        with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("198.51.100.1", 9))
            assert s.getsockname()[0] in lan
        if not lan:
            assert "没有找到本机的局域网地址" in said
        for host in [*lan, "127.0.0.1"]:
            status, _, body = fetch(port, "/", host=host)
            page = body.decode()
            # the links on the page use the address this request reached
            assert status == 200 and f'href="http://{host}:{port}{feed_url(FEEDS[0])}"' in page
            other = {"127.0.0.1", *lan} - {host}
            assert not any(f"//{o}:{port}/" in page for o in other)


def test_lan_addresses_leave_out_loopback_link_local_and_repeats(monkeypatch):
    from reportkit import serve

    resolved = ["127.0.1.1", "10.1.2.3", "169.254.3.4", "192.168.7.9", "10.1.2.3"]
    route = "10.1.2.3"

    class Probe:
        def __init__(self, family, kind):
            self.family = family

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def connect(self, address):
            if self.family != socket.AF_INET:
                raise OSError("no IPv6 route")

        def getsockname(self):
            return (route, 40000)

    def getaddrinfo(host, port, family=0, kind=0, *rest):
        assert host == "工作站"
        return [(socket.AF_INET, kind, 6, "", (a, 0)) for a in resolved]

    monkeypatch.setattr(serve.socket, "socket", Probe)
    monkeypatch.setattr(serve.socket, "gethostname", lambda: "工作站")
    monkeypatch.setattr(serve.socket, "getaddrinfo", getaddrinfo)
    assert serve.lan_addresses((socket.AF_INET,)) == ["10.1.2.3", "192.168.7.9"]


@pytest.mark.skipif(not socket.has_ipv6, reason="no IPv6")
def test_bound_to_every_ipv6_address_ipv4_clients_get_ipv4_links(site):
    try:
        srv = make_server("::", 0, site[0], quiet=True)
    except OSError:
        pytest.skip("IPv6 not configured")
    if not srv.dual_stack:
        srv.server_close()
        pytest.skip("IPv6-only sockets here")
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        port = srv.server_address[1]
        _, _, body = fetch(port, "/")
        assert f'href="http://127.0.0.1:{port}{feed_url(FEEDS[0])}"' in body.decode()
        assert srv.url == f"http://127.0.0.1:{port}/"
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)


# ------------------------------------------------------------------------------- the page


def write_board(outputs: Path, campaign, **extra: str) -> dict:
    """A roll-up summary as `reportkit rollup` writes it: 泰安市 mem, every county, one of each
    status; `extra` overrides top-level keys."""
    statuses = ["on_time", "late", "missing", "rejected", "pending"]
    city = campaign.unit("泰安市")
    children = []
    for n, unit in enumerate(campaign.children(city)):
        status = statuses[n % len(statuses)]
        arrived = None if status in ("missing", "pending") else f"2024-10-{20 + n}T09:0{n}:00+08:00"
        children.append(
            {
                "unit": campaign.agency_name(unit, "mem"),
                "code": unit.code,
                "status": status,
                "received_at": arrived,
            }
        )
    summary = {
        "campaign": extra.pop("campaign_id", campaign.id),
        "unit": campaign.agency_name(city, "mem"),
        "code": city.code,
        "line": "mem",
        "form": "mem-stats",
        "milestone": "final",
        "as_of": "2026-12-01T18:38:35+08:00",
        "children": children,
        **extra,
    }
    name = f"{summary['code']}-{summary['form']}-{summary['milestone']}-{summary['campaign']}.json"
    (outputs / name).write_text(json.dumps(summary, ensure_ascii=False), "utf-8")
    return summary


def page_text(page: str) -> str:
    """What a reader sees of the page's body, tags removed."""
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", page.split("<body>", 1)[1]))


def test_the_board_comes_first_with_the_campaigns_names_dates_and_status_names(
    server, site, campaign
):
    from reportkit.rollup import STATUS_NAMES

    board = write_board(site[1], campaign)
    write_board(site[1], campaign, campaign_id="another-2025", code="370901")  # not ours: ids
    write_board(site[1], campaign, form="x-form", milestone="y-ms", code="370902")  # unknown
    port = server.server_address[1]
    _, _, body = get(server, "/")
    page = body.decode()
    text = page_text(page)
    # what the manager opens the page for is at the top, before 26 calendar rows
    assert page.index('id="board"') < page.index('id="feeds"')
    assert text.index("\n报送完成情况\n") < text.index("\n截止日期日历\n")
    form, milestone = campaign.forms["mem-stats"].name, campaign.milestones["final"].name
    assert f"{board['unit']}｜{form}｜{milestone}" in text
    assert f"{board['unit']}｜mem-stats｜final" in text  # the other campaign's board
    assert f"{board['unit']}｜x-form｜y-ms" in text
    assert "截至 2026年12月1日 18:38" in text and "2026-12-01T" not in text
    for child in board["children"]:
        assert STATUS_NAMES[child["status"]] in text
        if child["received_at"]:
            when = dt.datetime.fromisoformat(child["received_at"])
            assert f"{when.year}年{when.month}月{when.day}日 {when:%H:%M}" in text
            assert child["received_at"] not in text
    assert f'class="status rejected">{STATUS_NAMES["rejected"]}<' in page
    assert "未通过校验" not in text
    assert f"{STATUS_NAMES['rejected']} 2" in text  # the summary line, same names
    # the address is shown as people read it; the link itself stays percent-encoded
    for name in FEEDS:
        assert f"<code>http://127.0.0.1:{port}/calendars/{name}</code>" in page
        assert f'href="http://127.0.0.1:{port}{feed_url(name)}"' in page


# The page's own layout facts, measured by the browser in an iframe of the given size (srcdoc:
# same origin as this wrapper, so its script may read the page; the page itself runs no script).
LAYOUT_PROBE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="page" style="border:0;width:%(w)dpx;height:%(h)dpx" srcdoc="%(page)s"></iframe>
<script>addEventListener("load", () => {
  const win = document.getElementById("page").contentWindow, doc = win.document;
  const width = doc.documentElement.clientWidth;
  const shown = (el) => el.getClientRects().length > 0;
  const lines = (el) => {  // the line boxes its text takes
    const range = doc.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
  };
  const short = [...doc.querySelectorAll(
    "#feeds th:nth-child(2), #feeds td.n, table.board th, table.board td.status")].filter(shown);
  const units = [...doc.querySelectorAll("table.board td.unit")];
  const fontSize = parseFloat(win.getComputedStyle(doc.body).fontSize);
  const facts = {
    width: width,
    page_width: doc.documentElement.scrollWidth,
    board_top: doc.getElementById("board").getBoundingClientRect().top,
    feeds_top: doc.getElementById("feeds").getBoundingClientRect().top,
    // cells past the right edge, and tables that only show in full when scrolled sideways
    cut_off: [...doc.querySelectorAll("td, th")].filter(
      (el) => shown(el) && el.getBoundingClientRect().right > width + 0.5).length
      + [...doc.querySelectorAll(".wrap")].filter((el) => el.scrollWidth > el.clientWidth).length,
    short_lines: Math.max(...short.map(lines)),
    narrowest_unit: Math.min(...units.map((el) => el.getBoundingClientRect().width)) / fontSize,
    link_text: doc.querySelector("a.http").textContent,
  };
  const out = document.createElement("pre");
  out.id = "facts";
  out.textContent = JSON.stringify(facts);
  document.body.append(out);
});</script></body></html>
"""


def chromium(*args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        r = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                *args,
            ],
            capture_output=True,
            timeout=120,
        )
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")[-2000:]
    return r


@pytest.fixture
def campaign_site(tmp_path, campaign):
    """What the manager looked at: the 26 feeds of the campaign and one roll-up's board."""
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    write_board(outputs, campaign)
    srv = make_server("127.0.0.1", 0, ROOT / "calendars", outputs, quiet=True, campaign=campaign)
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(5)


@pytest.mark.skipif(CHROMIUM is None, reason="Debian package chromium is not installed")
@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_the_page_on_a_desktop_and_a_phone_in_chromium(campaign_site, tmp_path, size):
    from PIL import Image

    w, h = size
    server = campaign_site
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    shot = tmp_path / f"page-{w}x{h}.png"
    chromium(f"--window-size={w},{h}", f"--screenshot={shot}", url)
    with Image.open(shot) as im:
        assert im.size == size
        colours = im.convert("RGB").getcolors(w * h)
    # the board's red statuses (逾期, 缺报, 退回) are on the first screen, without scrolling
    red = sum(n for n, (r, g, b) in colours if r > 150 and g < 60 and b < 60)
    assert red > 50, f"no red status text on the first screen: {shot}"

    _, _, body = get(server, "/")
    probe = tmp_path / "probe.html"
    probe.write_text(LAYOUT_PROBE % {"w": w, "h": h, "page": html.escape(body.decode())}, "utf-8")
    dom = chromium("--window-size=1400,1000", "--dump-dom", probe.as_uri()).stdout.decode()
    facts = json.loads(html.unescape(dom.split('<pre id="facts">')[1].split("</pre>")[0]))
    assert facts["width"] <= w
    assert facts["page_width"] <= facts["width"], facts  # nothing runs off the page sideways
    assert facts["cut_off"] == 0, facts  # no table cell is cut off at the right edge
    assert facts["board_top"] < facts["feeds_top"] and facts["board_top"] < h, facts
    # 事项, the other headers and 按时/逾期… on one line each, not one character per line
    assert facts["short_lines"] == 1, facts
    assert facts["narrowest_unit"] >= 4, facts  # unit names are not one character per line
    first = min(p.name for p in (ROOT / "calendars").glob("*.ics"))
    assert facts["link_text"].endswith(f"/calendars/{first}"), facts  # readable, not %E5…


def test_a_data_directory_that_cannot_hold_the_feeds_is_a_usage_error(tmp_path):
    home = tmp_path / "数据"
    home.write_text("a file, not a folder", "utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "reportkit", "serve", "--port", "0"],
        capture_output=True,
        cwd=tmp_path,
        env=cli_env(REPORTKIT_HOME=str(home)),
        timeout=60,
    )
    err = r.stderr.decode("utf-8")
    assert r.returncode == 2 and "无法在数据目录中生成日历" in err and str(home) in err
