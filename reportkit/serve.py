"""A small read-only HTTP server (http.server) for calendar subscriptions and a status page.

- ``/calendars/<file>.ics``: a feed of the calendar folder, ``text/calendar; charset=utf-8``, with a
  strong ``ETag`` (content hash) and ``Last-Modified`` (file time); ``If-None-Match`` and
  ``If-Modified-Since`` are answered with 304, so polling clients cost next to nothing.
- ``/``: a Chinese status page: first, when a roll-up output folder is given, a completeness board
  from its ``*.json`` summaries (``reportkit rollup`` writes one beside each workbook), with the
  campaign's names for forms and milestones; then every feed with ``webcal://`` and ``http(s)://``
  subscribe links. It reads on a phone too (the feed table becomes one block per feed).
- The feeds: a folder given by the user, or (`prepare_feeds`) the campaign's own feeds written into
  the data directory by the calendar code itself, so their SEQUENCE/DTSTAMP state carries over
  from one start to the next exactly as it does for ``reportkit calendar --all``.
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
import ipaddress
import json
import re
import socket
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from reportkit import __version__
from reportkit.messages import STATUS_NAMES, msg
from reportkit.rollup import STATUSES

if TYPE_CHECKING:
    from reportkit.io.ics import Written
    from reportkit.model.campaign import Campaign

CALENDAR_TYPE = "text/calendar; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
MAX_BOARDS = 200
MAX_CLIENTS = 32  # requests served at once; more get 503 rather than a thread each
CLIENT_TIMEOUT = 20.0  # seconds a client may take to send its request or read the answer
WILDCARDS = ("0.0.0.0", "::", "")
# Addresses a UDP "connect" is aimed at to learn which local address the default route uses:
# documentation ranges (RFC 5737, RFC 3849); connecting a datagram socket sends nothing.
_ROUTE_PROBES: dict[int, str] = {socket.AF_INET: "198.51.100.1", socket.AF_INET6: "2001:db8::1"}


class FeedServer(ThreadingHTTPServer):
    """The server; `calendars` is the folder of feeds, `outputs` an optional roll-up folder,
    `public_url` the address people reach it at (behind a proxy), used in every link;
    `campaign` names the forms and milestones on the board."""

    daemon_threads = True
    dual_stack = False  # an IPv6 wildcard socket that takes IPv4 connections too

    def __init__(
        self,
        address: tuple[str, int],
        calendars: str | Path,
        outputs: str | Path | None = None,
        quiet: bool = False,
        public_url: str | None = None,
        campaign: Campaign | None = None,
    ) -> None:
        self.calendars = Path(calendars).resolve()
        self.outputs = Path(outputs).resolve() if outputs is not None else None
        self.quiet = quiet
        self.public = check_public_url(public_url) if public_url else None
        self.campaign = campaign
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
    def wildcard(self) -> bool:
        """Bound to every address of the machine (0.0.0.0 or ::)."""
        return str(self.server_address[0]) in WILDCARDS

    @property
    def url(self) -> str:
        """The address to open on this machine: the bound one, or loopback for a wildcard."""
        host = str(self.server_address[0])
        if self.wildcard:
            host = "::1" if self.address_family == socket.AF_INET6 and not self.dual_stack else ""
            host = host or "127.0.0.1"
        return _http_url(host, self.server_address[1])

    def lan_urls(self) -> list[str]:
        """For a wildcard: the addresses colleagues on the network can use (maybe none found);
        otherwise the bound address itself when it is not loopback."""
        host, port = str(self.server_address[0]), self.server_address[1]
        if not self.wildcard:
            return [] if is_loopback(host) else [_http_url(host, port)]
        if self.address_family == socket.AF_INET:
            families: tuple[int, ...] = (socket.AF_INET,)
        elif self.dual_stack:
            families = (socket.AF_INET, socket.AF_INET6)
        else:
            families = (socket.AF_INET6,)
        return [_http_url(a, port) for a in lan_addresses(families)]


class _FeedServer6(FeedServer):
    address_family = socket.AF_INET6

    def server_bind(self) -> None:
        # "::" means every address: take IPv4 clients too where the system allows it (Windows
        # and some BSDs default to IPv6 only)
        if str(self.server_address[0]) == "::":
            with contextlib.suppress(AttributeError, OSError):
                self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                self.dual_stack = True
        super().server_bind()


def make_server(
    host: str = "127.0.0.1",
    port: int = 8000,
    calendars: str | Path = "calendars",
    outputs: str | Path | None = None,
    quiet: bool = False,
    public_url: str | None = None,
    campaign: Campaign | None = None,
) -> FeedServer:
    """Bind (port 0: any free port) but do not start serving; call ``serve_forever()``."""
    cls = _FeedServer6 if ":" in host else FeedServer
    return cls((host, port), calendars, outputs, quiet, public_url, campaign)


def _http_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def lan_addresses(families: tuple[int, ...] = (socket.AF_INET,)) -> list[str]:
    """This machine's addresses other machines may reach it at, most likely first: for each
    family the address of the default route (a UDP socket "connected" to a documentation
    address: the system picks the route, nothing is sent), then whatever the host name resolves
    to. Loopback, unspecified, link-local and multicast addresses are left out."""
    found: list[str] = []

    def add(text: str) -> None:
        try:
            ip = ipaddress.ip_address(text.split("%", 1)[0])
        except ValueError:
            return
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip.is_loopback or ip.is_unspecified or ip.is_link_local or ip.is_multicast:
            return
        if str(ip) not in found:
            found.append(str(ip))

    for family in families:
        with contextlib.suppress(OSError), socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect((_ROUTE_PROBES[family], 9))
            add(probe.getsockname()[0])
    for family in families:
        with contextlib.suppress(OSError, UnicodeError):  # gaierror is an OSError
            for info in socket.getaddrinfo(socket.gethostname(), None, family, socket.SOCK_STREAM):
                add(str(info[4][0]))
    return found


def feeds_home(campaign: Campaign, home: str | Path | None = None) -> Path:
    """Where the campaign's own feeds are kept: ``<data directory>/calendars/<campaign id>``
    (the data directory is the ledger's home, ``REPORTKIT_HOME``)."""
    if home is None:
        from reportkit.io.ledger import default_home

        home = default_home()
    return Path(home) / "calendars" / (re.sub(r"[^\w.-]", "_", campaign.id).strip(".") or "_")


def prepare_feeds(campaign: Campaign, home: str | Path | None = None) -> tuple[Path, list[Written]]:
    """Bring the campaign's feeds in the data directory up to date and return their folder.

    They are the feeds ``reportkit calendar --all`` writes, written by the same code over the
    previous start's files: an unchanged feed is not touched (same bytes, same file time, so the
    same ETag and Last-Modified), a revised event's SEQUENCE rises."""
    from reportkit.io.ics import publish_feeds
    from reportkit.model.deadlines import all_feeds

    folder = feeds_home(campaign, home)
    return folder, publish_feeds(folder, all_feeds(campaign))


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
            self.server.calendars,
            self.server.outputs,
            host,
            scheme,
            self.server.feed_cache,
            self.server.campaign,
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
        addr = str(addr)
        if addr in WILDCARDS:
            with contextlib.suppress(OSError):
                addr = str(self.connection.getsockname()[0])
            with contextlib.suppress(ValueError):  # an IPv4 client of a dual-stack socket
                mapped = ipaddress.IPv6Address(addr.split("%", 1)[0]).ipv4_mapped
                addr = str(mapped) if mapped is not None else addr
        addr = f"[{addr}]" if ":" in addr else addr
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
    out: list[tuple[str, str, int | None]] = []
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


STYLE = (
    "body{font-family:system-ui,'Microsoft YaHei','PingFang SC',sans-serif;line-height:1.5;"
    "margin:0 auto;padding:1em 2em;max-width:72em}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}"
    "th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}"
    "th{background:#f3f3f3;white-space:nowrap}"
    ".wrap{overflow-x:auto}.nowrap,td.code,td.status,td.n{white-space:nowrap}"
    "td.unit{min-width:8em}code{word-break:break-all}"
    ".late,.missing,.rejected{color:#b00}.on_time{color:#070}.pending{color:#666}"
    # a phone: narrower margins; each feed one block (name, events, links) instead of a row
    "@media (max-width:40em){body{padding:.5em .8em}"
    "h1{font-size:1.3em}h2{font-size:1.15em}h3{font-size:1em}"
    "th,td{padding:.3em .4em}td.unit{min-width:5em}.board .code{display:none}"
    "#feeds,#feeds tbody,#feeds tr,#feeds td{display:block}#feeds thead{display:none}"
    "#feeds tr{border:1px solid #ccc;margin:0 0 .6em}#feeds td{border:0}"
    "#feeds td.n::before{content:attr(data-label) '：'}}"
)


def status_page(
    calendars: Path,
    outputs: Path | None,
    host: str,
    scheme: str = "http",
    cache: FeedCache | None = None,
    campaign: Campaign | None = None,
) -> str:
    """The page: the completeness board first (what a manager opens it for), then the feeds."""
    e = html.escape
    title = (
        msg("serve.page_title_of", campaign=campaign.name)
        if campaign is not None
        else msg("serve.page_title")
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{e(title)}</h1>",
    ]
    if outputs is not None:
        parts.append(f'<h2 id="board">{e(msg("serve.board"))}</h2>')
        parts += _boards_html(boards(outputs), campaign)
    parts += [
        f'<h2 id="calendars">{e(msg("serve.feeds"))}</h2>',
        f"<p>{e(msg('serve.feeds_hint'))}</p>",
    ]
    listed = feeds(calendars, cache)
    if not listed:
        parts.append(f"<p>{e(msg('serve.no_feeds'))}</p>")
    else:
        parts.append(
            '<div class="wrap"><table id="feeds"><thead><tr>'
            + "".join(
                f"<th>{e(msg(k))}</th>"
                for k in ("serve.col_calendar", "serve.col_events", "serve.col_subscribe")
            )
            + "</tr></thead><tbody>"
        )
        events_label = e(msg("serve.col_events"))
        for file, name, count in listed:
            path = "/calendars/" + quote(file)
            webcal = f"webcal://{host}{path}"
            web = f"{scheme}://{host}{path}"
            readable = f"{scheme}://{host}/calendars/{file}"  # shown; the href stays encoded
            parts.append(
                "<tr>"
                f"<td>{e(name)}</td>"
                f'<td class="n" data-label="{events_label}">{"" if count is None else count}</td>'
                f'<td><a class="webcal" href="{e(webcal)}">{e(msg("serve.subscribe"))}</a>'
                f' · <a class="download" href="{e(path)}">{e(msg("serve.download"))}</a><br>'
                f'<a class="http" href="{e(web)}"><code>{e(readable)}</code></a></td>'
                "</tr>"
            )
        parts.append("</tbody></table></div>")
    parts.append(f"<p><small>{e(msg('serve.footer', version=__version__))}</small></p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _boards_html(items: list[dict[str, Any]], campaign: Campaign | None = None) -> list[str]:
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
        form, milestone = _names(b, campaign)
        caption = msg(
            "serve.board_caption", unit=_text(b.get("unit")), form=form, milestone=milestone
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
                for s in [*STATUSES, *sorted(set(counts) - set(STATUSES))]
                if counts.get(s)
            )
            or "—",
        )
        as_of = (
            msg("serve.board_as_of", time=_when(b.get("as_of"), html_out=False)) + " · "
            if b.get("as_of")
            else ""
        )
        out.append(f'<h3 class="board">{e(caption)}</h3><p>{e(as_of)}{e(summary)}</p>')
        out.append(
            '<div class="wrap"><table class="board"><thead><tr>'
            + "".join(
                f'<th class="{css}">{e(msg(k))}</th>'
                for css, k in (
                    ("unit", "serve.col_unit"),
                    ("code", "serve.col_code"),
                    ("status", "serve.col_status"),
                    ("when", "serve.col_received"),
                )
            )
            + "</tr></thead><tbody>"
        )
        for c in children:
            status = str(c.get("status"))
            css = status if status in STATUSES else ""
            out.append(
                "<tr>"
                f'<td class="unit">{e(_text(c.get("unit")))}</td>'
                f'<td class="code">{e(_text(c.get("code")))}</td>'
                f'<td class="status {css}">{e(_status(status))}</td>'
                f'<td class="when">{_when(c.get("received_at"))}</td>'
                "</tr>"
            )
        out.append("</tbody></table></div>")
    return out


def _names(board: dict[str, Any], campaign: Campaign | None) -> tuple[str, str]:
    """The form's and milestone's Chinese names from the campaign the roll-up was made under;
    the ids as they are when that is not the loaded campaign or it does not know them."""
    form, milestone = _text(board.get("form")), _text(board.get("milestone"))
    if campaign is None or board.get("campaign") not in (None, campaign.id):
        return form, milestone
    f = campaign.forms.get(form)
    m = campaign.milestones.get(milestone)
    return (f.name if f is not None else form), (m.name if m is not None else milestone)


def _when(value: Any, html_out: bool = True) -> str:
    """An ISO time as people write it (2024年11月1日 18:00, in the offset it was written with);
    anything else as it is. HTML (escaped; date and time each kept on one line) unless not
    `html_out`."""
    text = _text(value)
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return html.escape(text) if html_out else text
    date = msg("serve.date", year=when.year, month=when.month, day=when.day)
    if len(text) <= 10:  # a date only
        return f'<span class="nowrap">{html.escape(date)}</span>' if html_out else date
    clock = f"{when.hour:02d}:{when.minute:02d}"
    if not html_out:
        return f"{date} {clock}"
    return f'<span class="nowrap">{html.escape(date)}</span> <span class="nowrap">{clock}</span>'


def _status(code: str) -> str:
    return STATUS_NAMES.get(code, code)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return str(value.get("name") or value.get("code") or "")
    return str(value)
