"""The ledger: every file ever ingested, archived by content hash, in an embedded SQLite database.

The archive is the `blobs` table: each distinct file content once, keyed by SHA-256, stored in
the same transaction as the version that refers to it (so a version never points at a missing
copy, and thousands of files cost one commit, not thousands of file creations and fsyncs).
`reportkit history --export DIR` writes copies back out. A resubmission is a new version;
nothing is ever deleted. The database and the archive live on
local disk: SQLite's locking is unreliable on network shares (https://www.sqlite.org/faq.html#q5),
so a ledger path on one is refused. One run at a time holds the ledger's lock file; another
waits, then gives up with a clear message. Writes are transactions: a run killed at any moment
leaves the ledger as it was before the interrupted transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import os
import sqlite3
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from reportkit.io.names import stored, unstored
from reportkit.issues import Issue
from reportkit.model.packed import PackedValues
from reportkit.model.submission import Submission, Value

# The ledger is the permanent archive in users' hands: its layout is versioned (PRAGMA
# user_version) and every change of it is a migration below, applied in order, in one
# transaction, when an older ledger is opened. A ledger of a newer release is refused (exit 2)
# rather than written with rules it does not follow.
SCHEMA_VERSION = 1

SCHEMA: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS blobs (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        suffix TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        content BLOB NOT NULL  -- the file itself, byte for byte
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS versions (
        id INTEGER PRIMARY KEY,
        campaign TEXT NOT NULL,
        sha256 TEXT NOT NULL REFERENCES blobs(sha256),
        form TEXT,
        milestone TEXT,
        line TEXT,
        unit TEXT,
        file TEXT NOT NULL,
        arrival REAL NOT NULL,
        ingested REAL NOT NULL,
        valid INTEGER NOT NULL,
        issues TEXT NOT NULL,
        value_json TEXT NOT NULL,
        header_json TEXT NOT NULL,
        declared INTEGER NOT NULL DEFAULT 1,  -- the milestone was in the file (else the run's)
        UNIQUE (campaign, sha256, milestone)
    )
    """,
    """
    CREATE INDEX IF NOT EXISTS versions_by_unit ON versions (campaign, form, milestone, unit)
    """,
    """
    -- every (content, place) ever seen: which inbox a version came from, kept when a file at the
    -- same place is later replaced by a resubmission
    CREATE TABLE IF NOT EXISTS sightings (
        sha256 TEXT NOT NULL,
        path TEXT NOT NULL,
        PRIMARY KEY (sha256, path)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS seen (
        path TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        sha256 TEXT NOT NULL
    )
    """,
)

REMOTE_FS = {
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "ncpfs", "afs", "9p", "sshfs",
    "fuse.sshfs", "davfs", "fuse.davfs2", "glusterfs", "fuse.glusterfs", "ceph", "fuse.ceph",
    "lustre", "gpfs", "fuse.rclone", "fuse.s3fs", "vboxsf", "prl_fs", "vmhgfs", "fuse.vmhgfs-fuse",
}  # fmt: skip


class LedgerError(Exception):
    """The ledger cannot be used: on a network share, locked by another run, or unreadable."""

    def __init__(self, code: str, **values: Any) -> None:
        from reportkit.messages import msg

        self.code = code
        super().__init__(msg(code, **values))


def default_home() -> Path:
    """Where the ledger lives unless told otherwise: the user's local application data."""
    env = os.environ.get("REPORTKIT_HOME")
    if env:
        return Path(env)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "reportkit"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "reportkit"


def remote_filesystem(path: Path) -> str | None:
    """The network filesystem type `path` lives on, or None for a local disk (best effort)."""
    path = path.resolve()
    if sys.platform == "win32":
        text = str(path)
        if text.startswith("\\\\"):
            return "UNC"
        try:
            import ctypes

            kind = ctypes.windll.kernel32.GetDriveTypeW(text[:3])
            return "network drive" if kind == 4 else None  # DRIVE_REMOTE
        except (AttributeError, OSError):
            return None
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as f:
            mounts = []
            for line in f:
                left, _, right = line.partition(" - ")
                mount_point = left.split()[4].replace("\\040", " ")
                fstype = right.split()[0] if right else ""
                mounts.append((mount_point, fstype))
    except OSError:
        return None
    best, best_type = "", None
    text = str(path)
    for mount_point, fstype in mounts:
        inside = text == mount_point or text.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, best_type = mount_point, fstype
    return best_type if best_type in REMOTE_FS else None


@contextlib.contextmanager
def exclusive_lock(path: Path, wait: float) -> Iterator[None]:
    """Hold the ledger's lock file `path`, waiting up to `wait` seconds (see `locks`)."""
    from reportkit.io.locks import exclusive_lock as lock

    def busy(holder: int | None) -> LedgerError:
        who = f"（进程 {holder}）" if holder else ""
        return LedgerError(
            "rollup.ledger_busy", path=path.with_suffix(""), seconds=int(wait), who=who
        )

    try:
        with lock(path, wait, busy):
            yield
    except OSError as e:
        if e.filename is None or Path(e.filename) not in (path, path.parent):
            raise
        raise LedgerError(
            "rollup.ledger_unwritable", path=path.with_suffix(""), detail=describe(e)
        ) from e


def describe(e: OSError) -> str:
    from reportkit.messages import describe_oserror

    return describe_oserror(e, with_file=False)


# What SQLite says, by its result code (Python ≥ 3.11) or, before that, by its words.
_FAULTS = (
    ("rollup.ledger_readonly", ("SQLITE_READONLY", "SQLITE_PERM"), ("readonly", "permission")),
    ("rollup.ledger_full", ("SQLITE_FULL",), ("disk is full",)),
    ("rollup.ledger_corrupt", ("SQLITE_CORRUPT", "SQLITE_NOTADB"), ("malformed", "not a database")),
    ("rollup.ledger_cantopen", ("SQLITE_CANTOPEN",), ("unable to open",)),
    ("rollup.ledger_io", ("SQLITE_IOERR",), ("i/o error",)),
)


def fault(e: sqlite3.Error, path: Path) -> LedgerError:
    """The user's-environment error a SQLite failure on the ledger stands for."""
    name = getattr(e, "sqlite_errorname", "") or ""
    text = str(e).lower()
    for code, names, words in _FAULTS:
        # extended codes (SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED) start with the primary
        if any(name.startswith(n) for n in names) if name else any(w in text for w in words):
            return LedgerError(code, path=path, detail=e)
    return LedgerError("rollup.ledger_io", path=path, detail=e)


@contextlib.contextmanager
def faults(path: Path) -> Iterator[None]:
    """Turn SQLite's failures on the ledger at `path` into a LedgerError (exit 2): a read-only,
    full, corrupt or unreachable ledger is the user's environment, not a bug of ours."""
    try:
        yield
    except sqlite3.Error as e:
        raise fault(e, Path(path)) from e


# --- value encoding ------------------------------------------------------------------------------


def encode_values(values: dict[str, Value]) -> str:
    def enc(v: Value) -> Any:
        if isinstance(v, Decimal):
            return {"d": str(v)}
        if isinstance(v, dt.date):
            return {"t": v.isoformat()}
        return v

    return json.dumps({k: enc(v) for k, v in values.items()}, ensure_ascii=False, sort_keys=True)


_DECIMALS: dict[str, Decimal] = {}  # equal figures share one object (Decimal is immutable)


def _decimal(text: str) -> Decimal:
    d = _DECIMALS.get(text)
    if d is None:
        d = Decimal(text)
        if len(_DECIMALS) < 100_000:
            _DECIMALS[text] = d
    return d


def _intern(text: str | None) -> str | None:
    # codes and ids repeat across thousands of versions: one string object each
    return None if text is None else sys.intern(text)


def decode_values(text: str) -> PackedValues:
    values = json.loads(text)
    for k, v in values.items():
        if type(v) is dict:  # the tagged ones; numbers and text are as JSON gave them
            if "d" in v:
                values[k] = _decimal(v["d"])
            elif "t" in v:
                values[k] = dt.date.fromisoformat(v["t"])
    return PackedValues(values)


@dataclass(frozen=True, slots=True)
class Version:
    id: int
    sha256: str
    form: str | None
    milestone: str | None
    line: str | None
    unit: str | None
    file: str
    arrival: float
    ingested: float
    valid: bool
    issues: tuple[Issue, ...]
    values: Mapping[str, Value]
    header: Mapping[str, Value]
    suffix: str  # of the file as received; the bytes are in the ledger (Ledger.content)


class Placement(NamedTuple):
    """What the ledger recorded of one content for one milestone (no figures)."""

    form: str | None
    milestone: str | None
    unit: str | None
    line: str | None
    declared: bool
    id: int


class Sighting(NamedTuple):
    """Content the ledger already holds, seen at a new place."""

    sha256: str
    place: str  # as Record.seen_as: an absolute path, or archive/member name as stored
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Record:
    """One file to record: its bytes (archived), what reading it found, where it was seen."""

    sub: Submission
    data: bytes
    suffix: str
    size: int
    mtime_ns: int
    seen_as: str  # the place: an absolute path, or archive/member name as stored
    name: str  # the file as named to the user (may hold undecodable bytes; stored as they are)
    declared: bool = True


class Ledger:
    """An open ledger. Use as a context manager: `with Ledger.open(path) as ledger: ...`."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn

    @classmethod
    def open(cls, path: Path) -> Ledger:
        """Open (creating or upgrading it as needed) the ledger at `path`."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise LedgerError("rollup.ledger_unwritable", path=path, detail=describe(e)) from e
        fstype = remote_filesystem(path.parent)
        if fstype:
            raise LedgerError("rollup.ledger_remote", path=path, fstype=fstype)
        with faults(path):
            # check_same_thread off: a roll-up records batches on a writer thread while the
            # main thread feeds the workers (never both at once; see rollup.ingest._Recorder)
            conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
            try:
                conn.execute("PRAGMA busy_timeout = 30000")
                conn.execute("PRAGMA synchronous = FULL")
                _upgrade(conn, path)
            except BaseException:
                conn.close()
                raise
        return cls(path, conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            # SQLite may have rolled back already (a full disk does): the first error counts
            if self.conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    # --- the re-run cache ----------------------------------------------------------------------

    def seen_map(self) -> dict[str, str]:
        """Every place recorded before → the content last seen there, in one query."""
        return {unstored(r[0]): r[1] for r in self.conn.execute("SELECT path, sha256 FROM seen")}

    def known_shas(self, campaign: str, milestone: str | None) -> set[str]:
        """Contents already checked, for their own milestone or for `milestone`."""
        rows = self.conn.execute(
            "SELECT sha256 FROM versions WHERE campaign = ? AND (declared = 1 OR milestone IS ?)",
            (campaign, milestone),
        )
        return {r[0] for r in rows}

    # --- recording -------------------------------------------------------------------------------

    def record_many(self, campaign: str, items: list[Record]) -> int:
        """Archive and record a batch of files in one transaction; return how many were new.

        Content that was archived before is not stored again; its first arrival stays the
        arrival of every later version with the same content.
        """
        now = time.time()
        new = 0
        with self.transaction() as c:
            for it in items:
                sub = it.sub
                assert sub.sha256
                if (
                    c.execute("SELECT 1 FROM blobs WHERE sha256 = ?", (sub.sha256,)).fetchone()
                    is None
                ):
                    c.execute(
                        "INSERT INTO blobs (sha256, size, suffix, first_seen, content)"
                        " VALUES (?,?,?,?,?)",
                        (sub.sha256, len(it.data), it.suffix, _iso(now), it.data),
                    )
                cur = c.execute(
                    "INSERT OR IGNORE INTO versions (campaign, sha256, form, milestone, line, unit,"
                    " file, arrival, ingested, valid, issues, value_json, header_json, declared)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        campaign,
                        sub.sha256,
                        sub.form,
                        sub.milestone,
                        sub.line,
                        sub.unit_code,
                        stored(it.name),
                        self._arrival(c, campaign, sub, now),
                        now,
                        int(sub.valid),
                        json.dumps([i.to_dict() for i in sub.issues], ensure_ascii=False),
                        encode_values(sub.values),
                        encode_values(sub.header),
                        int(it.declared),
                    ),
                )
                new += cur.rowcount > 0
                self._sighted(c, sub.sha256, it.seen_as, it.size, it.mtime_ns)
        return new

    def record_sightings(self, items: list[Sighting]) -> None:
        """Content already recorded, seen at a new place: (sha256, place, size, mtime_ns)."""
        with self.transaction() as c:
            for sha, place, size, mtime_ns in items:
                self._sighted(c, sha, place, size, mtime_ns)

    @staticmethod
    def _sighted(c: sqlite3.Connection, sha: str, place: str, size: int, mtime_ns: int) -> None:
        key = stored(place)
        c.execute(
            "INSERT OR REPLACE INTO seen (path, size, mtime_ns, sha256) VALUES (?,?,?,?)",
            (key, size, mtime_ns, sha),
        )
        c.execute("INSERT OR IGNORE INTO sightings (sha256, path) VALUES (?,?)", (sha, key))

    @staticmethod
    def _arrival(c: sqlite3.Connection, campaign: str, sub: Submission, now: float) -> float:
        # the modification time when the ledger first saw this content
        row = c.execute(
            "SELECT MIN(arrival) FROM versions WHERE campaign = ? AND sha256 = ?",
            (campaign, sub.sha256),
        ).fetchone()
        if row and row[0] is not None:
            return float(row[0])
        # never later than now: a clock ahead on the sender's PC must not hide the file
        return min(sub.mtime, now) if sub.mtime is not None else now

    def placements(self, campaign: str) -> Iterator[tuple[str, list[Placement]]]:
        """(sha256, the versions recorded for that content) for every content, in hash order,
        streamed: what a roll-up needs to sort an inbox's files without decoding their figures,
        and without holding a row per version in memory."""
        rows = self.conn.execute(
            "SELECT sha256, form, milestone, unit, line, declared, id FROM versions"
            " WHERE campaign = ? ORDER BY sha256",
            (campaign,),
        )
        for sha, group in itertools.groupby(rows, key=lambda r: r[0]):
            yield sha, [Placement(*r[1:]) for r in group]

    def issues_of(self, version_id: int) -> list[Issue]:
        row = self.conn.execute(
            "SELECT issues FROM versions WHERE id = ?", (version_id,)
        ).fetchone()
        return [Issue(**d) for d in json.loads(row[0])] if row else []

    def content(self, sha256: str) -> bytes | None:
        """The archived bytes of one file content."""
        row = self.conn.execute("SELECT content FROM blobs WHERE sha256 = ?", (sha256,)).fetchone()
        return bytes(row[0]) if row else None

    # --- reading ---------------------------------------------------------------------------------

    def versions(self, campaign: str, **filters: Any) -> list[Version]:
        """Recorded versions, newest arrival first (the filters of `iter_versions`)."""
        return list(self.iter_versions(campaign, **filters))

    def iter_versions(
        self,
        campaign: str,
        *,
        form: str | None = None,
        milestone: str | None = None,
        unit: str | None = None,
        sha256: str | None = None,
        seen_under: list[str] | None = None,
        ordered: bool = True,
    ) -> Iterator[Version]:
        """Recorded versions, one at a time (a roll-up keeps what it needs of each, not all of
        them), newest arrival first; with `seen_under` (absolute paths of inboxes), only
        contents ever seen at a place inside one of them.
        Unordered, SQLite need not sort the rows (with their figures' text) in memory."""
        where, args = ["v.campaign = ?"], [campaign]
        for col, val in (
            ("form", form),
            ("milestone", milestone),
            ("unit", unit),
            ("sha256", sha256),
        ):
            if val is not None:
                where.append(f"v.{col} = ?")
                args.append(val)
        if seen_under is not None:
            # matched in SQL (the inbox's thousands of hashes never become a Python set), the
            # roots in a temporary table: an inbox may be hundreds of files named one by one
            # Places are compared as bytes: a name that is not valid UTF-8 is kept as a BLOB.
            self.conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS scope_roots"
                " (root BLOB NOT NULL, slash BLOB NOT NULL, sep BLOB NOT NULL)"
            )
            self.conn.execute("DELETE FROM scope_roots")
            self.conn.executemany(
                "INSERT INTO scope_roots VALUES (?, ?, ?)",
                [(b, b + b"/", b + os.sep.encode()) for b in map(_bytes, seen_under)],
            )
            where.append(
                "EXISTS (SELECT 1 FROM sightings s JOIN scope_roots r"
                " ON CAST(s.path AS BLOB) = r.root"
                " OR substr(CAST(s.path AS BLOB), 1, length(r.slash)) IN (r.slash, r.sep)"
                " WHERE s.sha256 = v.sha256)"
            )
        rows = self.conn.execute(
            "SELECT v.id, v.sha256, v.form, v.milestone, v.line, v.unit, v.file, v.arrival,"
            " v.ingested, v.valid, v.issues, v.value_json, v.header_json, b.suffix"
            " FROM versions v JOIN blobs b ON b.sha256 = v.sha256"
            f" WHERE {' AND '.join(where)}"
            + (" ORDER BY v.arrival DESC, v.id DESC" if ordered else ""),
            args,
        )  # iterated, not fetched whole: the rows' JSON text is never all in memory at once
        intern = _intern
        return (
            Version(
                id=r[0],
                sha256=r[1],
                form=intern(r[2]),
                milestone=intern(r[3]),
                line=intern(r[4]),
                unit=intern(r[5]),
                file=unstored(r[6]),
                arrival=r[7],
                ingested=r[8],
                valid=bool(r[9]),
                issues=tuple(Issue(**d) for d in json.loads(r[10])),
                values=decode_values(r[11]),
                header=decode_values(r[12]),
                suffix=r[13],
            )
            for r in rows
        )


# version → the statements that bring a ledger of the version before it up to it. Version 0
# is every ledger written before versions were kept (the release of 2026-11-29 and earlier):
# its tables are today's; it only needs the version stamped.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (),
}


def _upgrade(conn: sqlite3.Connection, path: Path) -> None:
    """Create the tables of a new ledger, or bring an older one up to SCHEMA_VERSION."""
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version > SCHEMA_VERSION:
        raise LedgerError("rollup.ledger_newer", path=path, version=version, ours=SCHEMA_VERSION)
    if version == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in SCHEMA:  # a new ledger's tables (IF NOT EXISTS: an old one has them)
            conn.execute(statement)
        for target in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[target]:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _bytes(place: str) -> bytes:
    key = stored(place)
    return key if isinstance(key, bytes) else key.encode("utf-8")


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat(timespec="seconds")
