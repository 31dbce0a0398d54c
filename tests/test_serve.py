"""`reportkit serve` over a real loopback socket: feeds, conditional requests, traversal, page."""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
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
def server(site):
    cal, out = site
    srv = make_server("127.0.0.1", 0, cal, out, quiet=True)
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


def test_completeness_board_from_rollup_summaries(server, site):
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
    assert "泰安市应急管理局｜mem-stats｜midterm" in page
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
    assert "专项治理截止日期日历与报送情况" in dom
    for name in FEEDS:
        assert f'href="webcal://127.0.0.1:{port}{feed_url(name)}"' in dom
        assert f'href="http://127.0.0.1:{port}{feed_url(name)}"' in dom
    assert dom.count('class="webcal"') == len(FEEDS)
