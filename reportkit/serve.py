"""A small read-only HTTP server for calendar subscriptions and a status page (standard library only).

- ``/calendars/<file>.ics``: a feed of the calendar folder, ``text/calendar; charset=utf-8``, with a
  strong ``ETag`` (content hash) and ``Last-Modified`` (file time); ``If-None-Match`` and
  ``If-Modified-Since`` are answered with 304, so polling clients cost next to nothing.
- ``/``: a Chinese status page listing every feed with ``webcal://`` and ``http(s)://`` subscribe
  links and, when a roll-up output folder is given, a completeness board from its ``*.json``
  summaries (``reportkit rollup`` writes one beside each workbook).
- Anything else is 404: only plain file names directly inside the calendar folder are served, so
  ``/calendars/../x``, ``%2e%2e``, back slashes, absolute paths and symbolic links leading outside
  are all refused. Only GET and HEAD are answered (405 otherwise). Loopback by default.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import hashlib
import html
import json
import re
import socket
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from reportkit import __version__
from reportkit.messages import msg

CALENDAR_TYPE = "text/calendar; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
MAX_BOARDS = 200
MAX_CLIENTS = 32  # requests served at once; more get 503 rather than a thread each
CLIENT_TIMEOUT = 20.0  # seconds a client may take to send its request or read the answer
_STATUSES = ("on_time", "late", "missing", "rejected", "pending")


class FeedServer(ThreadingHTTPServer):
    """The server; `calendars` is the folder of feeds, `outputs` an optional roll-up folder,
    `public_url` the address people reach it at (behind a proxy), used in every link."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        calendars: str | Path,
        outputs: str | Path | None = None,
        quiet: bool = False,
        public_url: str | None = None,
    ) -> None:
        self.calendars = Path(calendars).resolve()
        self.outputs = Path(outputs).resolve() if outputs is not None else None
        self.quiet = quiet
        self.public = check_public_url(public_url) if public_url else None
        self.slots = threading.BoundedSemaphore(MAX_CLIENTS)
        self.feed_cache = FeedCache()
        super().__init__(address, Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        # a thread per request, but never more than MAX_CLIENTS: slow clients cannot pile up
        if not self.slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.sendall(
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                    b"Connection: close\r\nRetry-After: 5\r\n\r\n"
                )
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else str(host)
        return f"http://{host}:{port}/"


class _FeedServer6(FeedServer):
    address_family = socket.AF_INET6


def make_server(
    host: str = "127.0.0.1",
    port: int = 8000,
    calendars: str | Path = "calendars",
    outputs: str | Path | None = None,
    quiet: bool = False,
    public_url: str | None = None,
) -> FeedServer:
    """Bind (port 0: any free port) but do not start serving; call ``serve_forever()``."""
    cls = _FeedServer6 if ":" in host else FeedServer
    return cls((host, port), calendars, outputs, quiet, public_url)


def check_public_url(url: str) -> tuple[str, str]:
    """(scheme, host[:port]) of a configured public address; ValueError if it is not one."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        raise ValueError(url)
    return parts.scheme, parts.netloc


class FeedCache:
    """Each feed's name and event count, parsed again only when its file changes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: dict[str, tuple[tuple[int, int], str, int | None]] = {}

    def describe(self, path: Path) -> tuple[str, int | None]:
        try:
            st = path.stat()
        except OSError:
            return path.stem, None
        stamp = (st.st_mtime_ns, st.st_size)
        with self.lock:
            hit = self.items.get(str(path))
        if hit is not None and hit[0] == stamp:
            return hit[1], hit[2]
        name, count = _describe(path)
        with self.lock:
            if len(self.items) > 10_000:
                self.items.clear()
            self.items[str(path)] = (stamp, name, count)
        return name, count


def is_loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


class Handler(BaseHTTPRequestHandler):
    server: FeedServer
    server_version = f"reportkit/{__version__}"
    sys_version = ""
    timeout = CLIENT_TIMEOUT  # socket timeout: a client that stalls is dropped

    def version_string(self) -> str:
        return self.server_version

    # --- methods -------------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch(head=False)

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def _refuse(self) -> None:
        body = msg("serve.read_only", method=self.command).encode()
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self._plain(body)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.quiet:
            return
        line = f"{self.address_string()} [{self.log_date_time_string()}] {format % args}\n"
        try:
            sys.stderr.write(line)
        except UnicodeEncodeError:  # a GBK console
            enc = getattr(sys.stderr, "encoding", None) or "ascii"
            sys.stderr.write(line.encode(enc, "replace").decode(enc))

    # --- routing -------------------------------------------------------------------------------
    def _dispatch(self, head: bool) -> None:
        path = self.path.split("#", 1)[0].split("?", 1)[0]
        if path in ("/", "/index.html"):
            self._page(head)
            return
        if path.startswith("/calendars/"):
            feed = self._feed_path(path[len("/calendars/") :])
            if feed is not None:
                self._feed(feed, head)
                return
        self._not_found(head)

    def _feed_path(self, encoded: str) -> Path | None:
        """The feed a request names, or None: a plain ``*.ics`` name directly in the folder."""
        try:
            name = unquote(encoded, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            return None
        if (
            not name.lower().endswith(".ics")
            or name.startswith(".")
            or any(ch in name for ch in "/\\:\x00")
            or name != Path(name).name
        ):
            return None
        folder = self.server.calendars
        candidate = folder / name
        try:
            resolved = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if resolved.parent != folder or not resolved.is_file():
            return None
        return resolved

    # --- responses -----------------------------------------------------------------------------
    def _feed(self, path: Path, head: bool) -> None:
        try:
            data = path.read_bytes()
            mtime = int(path.stat().st_mtime)
        except OSError:
            self._not_found(head)
            return
        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        last_modified = email.utils.formatdate(mtime, usegmt=True)
        fresh = _not_modified(
            self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since"), etag, mtime
        )
        self.send_response(HTTPStatus.NOT_MODIFIED if fresh else HTTPStatus.OK)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", last_modified)
        self.send_header("Cache-Control", "no-cache")
        if fresh:
            self.end_headers()
            return
        ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", path.name)
        self.send_header("Content-Type", CALENDAR_TYPE)
        self.send_header(
            "Content-Disposition",
            f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(path.name)}",
        )
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _page(self, head: bool) -> None:
        scheme, host = self._base()
        body = status_page(
            self.server.calendars, self.server.outputs, host, scheme, self.server.feed_cache
        ).encode("utf-8")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", HTML_TYPE)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _not_found(self, head: bool) -> None:
        self.send_response(HTTPStatus.NOT_FOUND)
        self._plain(msg("serve.not_found").encode(), head)

    def _plain(self, body: bytes, head: bool = False) -> None:
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _base(self) -> tuple[str, str]:
        """(scheme, host[:port]) for absolute links: the configured public address, else the
        address this connection reached (never the request's Host header, which any client
        can set: links built from it would send subscribers wherever the client said)."""
        if self.server.public is not None:
            return self.server.public
        addr, port = self.server.server_address[:2]
        if addr in ("0.0.0.0", "::", ""):
            with contextlib.suppress(OSError):
                addr = self.connection.getsockname()[0]
        addr = f"[{addr}]" if ":" in str(addr) else str(addr)
        return "http", f"{addr}:{port}"


def _not_modified(
    if_none_match: str | None, if_modified_since: str | None, etag: str, mtime: int
) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present; else If-Modified-Since."""
    if if_none_match is not None:
        tags = [t.strip() for t in if_none_match.split(",")]
        return any(t == "*" or t.removeprefix("W/") == etag for t in tags)
    if if_modified_since:
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.timezone.utc)
        return mtime <= since.timestamp()
    return False


# ----------------------------------------------------------------------------------- the page


def feeds(folder: Path, cache: FeedCache | None = None) -> list[tuple[str, str, int | None]]:
    """(file name, calendar name, number of events) for every ``*.ics`` in `folder`."""
    out = []
    if not folder.is_dir():
        return out
    folder = folder.resolve()
    for path in sorted(folder.glob("*.ics")):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.resolve().parent != folder:  # a link leading outside is not served either
            continue
        name, count = cache.describe(path) if cache is not None else _describe(path)
        out.append((path.name, name, count))
    return out


def _describe(path: Path) -> tuple[str, int | None]:
    try:
        from icalendar import Calendar

        cal = Calendar.from_ical(path.read_bytes())
        return str(cal.get("NAME") or cal.get("X-WR-CALNAME") or path.stem), len(cal.walk("VEVENT"))
    except Exception:  # a broken feed is still listed, by its file name
        return path.stem, None


def boards(folder: Path) -> list[dict[str, Any]]:
    """The roll-up summaries (``*.json`` with a ``children`` list) of `folder`, by file name."""
    out: list[dict[str, Any]] = []
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.json"))[:MAX_BOARDS]:
        try:
            data = json.loads(path.read_text("utf-8-sig"))
        except (OSError, ValueError) as e:
            out.append({"_file": path.name, "_error": str(e)})
            continue
        if isinstance(data, dict) and isinstance(data.get("children"), list):
            out.append({**data, "_file": path.name})
    return out


def status_page(
    calendars: Path,
    outputs: Path | None,
    host: str,
    scheme: str = "http",
    cache: FeedCache | None = None,
) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(msg('serve.page_title'))}</title>",
        "<style>body{font-family:system-ui,'Microsoft YaHei','PingFang SC',sans-serif;"
        "margin:2em;max-width:72em}table{border-collapse:collapse;margin:.5em 0 1.5em}"
        "th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}th{background:#f3f3f3}"
        "code{word-break:break-all}.late,.missing,.rejected{color:#b00}.on_time{color:#070}"
        ".pending{color:#666}</style></head><body>",
        f"<h1>{e(msg('serve.page_title'))}</h1>",
        f"<h2>{e(msg('serve.feeds'))}</h2>",
        f"<p>{e(msg('serve.feeds_hint'))}</p>",
    ]
    listed = feeds(calendars, cache)
    if not listed:
        parts.append(f"<p>{e(msg('serve.no_feeds'))}</p>")
    else:
        parts.append(
            '<table id="feeds"><thead><tr>'
            + "".join(
                f"<th>{e(msg(k))}</th>"
                for k in ("serve.col_calendar", "serve.col_events", "serve.col_subscribe")
            )
            + "</tr></thead><tbody>"
        )
        for file, name, count in listed:
            path = "/calendars/" + quote(file)
            webcal = f"webcal://{host}{path}"
            web = f"{scheme}://{host}{path}"
            parts.append(
                "<tr>"
                f"<td>{e(name)}</td>"
                f"<td>{'' if count is None else count}</td>"
                f'<td><a class="webcal" href="{e(webcal)}">{e(msg("serve.subscribe"))}</a>'
                f' · <a class="download" href="{e(path)}">{e(msg("serve.download"))}</a><br>'
                f'<a class="http" href="{e(web)}"><code>{e(web)}</code></a></td>'
                "</tr>"
            )
        parts.append("</tbody></table>")
    if outputs is not None:
        parts.append(f"<h2>{e(msg('serve.board'))}</h2>")
        parts += _boards_html(boards(outputs))
    parts.append(f"<p><small>{e(msg('serve.footer', version=__version__))}</small></p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _boards_html(items: list[dict[str, Any]]) -> list[str]:
    e = html.escape
    if not items:
        return [f'<p id="no-rollup">{e(msg("serve.no_rollup"))}</p>']
    out = []
    for b in items:
        if "_error" in b:
            out.append(
                f"<p>{e(msg('serve.board_unreadable', file=b['_file'], detail=b['_error']))}</p>"
            )
            continue
        caption = msg(
            "serve.board_caption",
            unit=_text(b.get("unit")),
            form=_text(b.get("form")),
            milestone=_text(b.get("milestone")),
        )
        children = [c for c in b["children"] if isinstance(c, dict)]
        counts: dict[str, int] = {}
        for c in children:
            counts[str(c.get("status"))] = counts.get(str(c.get("status")), 0) + 1
        summary = msg(
            "serve.board_summary",
            total=len(children),
            parts="，".join(
                f"{_status(s)} {counts[s]}"
                for s in [*_STATUSES, *sorted(set(counts) - set(_STATUSES))]
                if counts.get(s)
            )
            or "—",
        )
        as_of = f"（{_text(b.get('as_of'))}）" if b.get("as_of") else ""
        out.append(f'<h3 class="board">{e(caption)}{e(as_of)}</h3><p>{e(summary)}</p>')
        out.append(
            "<table><thead><tr>"
            + "".join(
                f"<th>{e(msg(k))}</th>"
                for k in (
                    "serve.col_unit",
                    "serve.col_code",
                    "serve.col_status",
                    "serve.col_received",
                )
            )
            + "</tr></thead><tbody>"
        )
        for c in children:
            status = str(c.get("status"))
            css = status if status in _STATUSES else ""
            out.append(
                "<tr>"
                f"<td>{e(_text(c.get('unit')))}</td>"
                f"<td>{e(_text(c.get('code')))}</td>"
                f'<td class="{css}">{e(_status(status))}</td>'
                f"<td>{e(_text(c.get('received_at')))}</td>"
                "</tr>"
            )
        out.append("</tbody></table>")
    return out


def _status(code: str) -> str:
    return msg(f"serve.status.{code}") if code in _STATUSES else code


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return str(value.get("name") or value.get("code") or "")
    return str(value)
