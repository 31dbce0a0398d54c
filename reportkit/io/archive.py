"""The members of an inbox's .zip archives, each judged on its own and named as stored.

A member's identity is its archive and its name as stored in the archive (`<archive>/<name>`,
never resolved: '../' and absolute names are reported, not followed), so it belongs to the inbox
that holds the archive. Each member is judged by itself: an encrypted member, one compressed
with a method Python cannot read (Deflate64), one whose CRC fails or one over a cap gets its
own error naming it, and the archive's other members are read as usual. Archives inside the
archive are read too, to a bounded depth.

What is extracted is bounded per member and per run (every byte written to the temporary
folder counts), and decompressed in memory first, so a member whose content the ledger already
holds is never written to disk at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import os
import re
import struct
import zipfile
from collections.abc import Collection, Container, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from reportkit.io.files import open_regular
from reportkit.io.names import shown
from reportkit.issues import Issue
from reportkit.messages import msg
from reportkit.model.submission import Submission

MAX_MEMBERS = 5_000  # entries looked at in one archive
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # a larger workbook is refused by the reader anyway
MAX_RUN_BYTES = 512 * 1024 * 1024  # written to the temporary folder in one run, all archives
MAX_DEPTH = 3  # an archive in an archive in the inbox's archive
MAX_RATIO = 200  # uncompressed ÷ compressed for a member over 1 MiB: a bomb, not a workbook
METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
METHOD_NAMES = {1: "Shrink", 6: "Implode", 9: "Deflate64", 93: "Zstandard", 95: "XZ", 98: "PPMd"}
CHUNK = 1 << 20


@dataclass(slots=True)
class Member:
    key: str  # <archive key>/<name as stored>: where it was seen
    name: str  # as shown to people: <archive as shown>/<name>
    raw: str  # <archive as given>/<name>, for the ledger's record of the file (lossless)
    sha256: str
    size: int
    mtime: float  # the member's own time, as its archive records it (campaign timezone)
    path: str | None  # its extracted copy; None when the ledger already holds the content


@dataclass
class Expansion:
    members: list[Member] = field(default_factory=list)
    notes: list[Submission] = field(default_factory=list)  # documents, lock files, problems


def is_archive(name: str) -> bool:
    return name.lower().endswith(".zip")


def unsafe(name: str) -> bool:
    """A name that would point outside a folder it was extracted to."""
    parts = re.split(r"[\\/]", name)
    return name.startswith(("/", "\\")) or bool(re.match(r"[A-Za-z]:", name)) or ".." in parts


def member_name(info: zipfile.ZipInfo) -> str:
    # Windows zip tools write names in the OEM code page (GBK here) without the UTF-8 flag.
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


class Expander:
    """Expands archives into `scratch`, counting what it writes against one cap for the run.

    `take` is the members' suffixes to extract (the roll-up's workbooks unless given, the
    report's Word documents: `intake.WORKBOOK_FILES`, `intake.WORD_FILES`); archives inside
    are expanded whatever `take` is, and documents not taken are noted.
    """

    def __init__(
        self,
        scratch: Path,
        tz: ZoneInfo,
        known: Container[str] = frozenset(),
        cap: int | None = None,
        take: Collection[str] | None = None,
    ) -> None:
        from reportkit.io.intake import WORKBOOK_FILES

        self.scratch, self.tz, self.known = scratch, tz, known
        self.cap = MAX_RUN_BYTES if cap is None else cap
        self.take = WORKBOOK_FILES if take is None else take
        self.written = 0
        self._n = 0

    def expand(self, path: str, key: str, raw: str, mtime: float, depth: int = 1) -> Expansion:
        """Every member of the archive at `path` (seen as `key`, named `raw`)."""
        from reportkit.io.intake import DOCUMENT_SUFFIXES
        from reportkit.io.sniff import is_lock_file, suffix_of

        out = Expansion()
        name = shown(raw)
        try:
            with open_regular(path) as f, _open_zip(f) as (zf, misflagged):
                infos = [i for i in zf.infolist() if not i.is_dir()]
                if len(infos) > MAX_MEMBERS:
                    out.notes.append(
                        _note(name, "file.archive_members", count=len(infos), limit=MAX_MEMBERS)
                    )
                    infos = infos[:MAX_MEMBERS]
                for info in infos:
                    inner = member_name(info)
                    m_key, m_raw = f"{key}/{inner}", f"{raw}/{inner}"
                    m_name = shown(m_raw)
                    if info.filename in misflagged:  # flagged UTF-8 but not: shown replaced
                        m_name = f"{name}/{shown(misflagged[info.filename])}"
                    base = re.split(r"[\\/]", inner)[-1]
                    suffix = suffix_of(base).lower()
                    if unsafe(inner):
                        out.notes.append(_note(m_name, "file.member_unsafe_name"))
                    if is_lock_file(base):
                        out.notes.append(_note(m_name, "file.lock_file"))
                        continue
                    nested = is_archive(base)
                    if not nested and suffix not in self.take:
                        if suffix in DOCUMENT_SUFFIXES:
                            out.notes.append(_note(m_name, "file.document"))
                        continue  # as in a folder: pictures, notes and the like are not ours
                    if nested and depth >= MAX_DEPTH:
                        out.notes.append(_note(m_name, "file.archive_too_deep", limit=MAX_DEPTH))
                        continue
                    problem = self._judge(info)
                    if problem is not None:
                        out.notes.append(_note(m_name, *problem))
                        continue
                    try:
                        data = _read(zf, info)
                    except _Bad as e:
                        out.notes.append(_note(m_name, e.code, e.detail))
                        continue
                    sha = hashlib.sha256(data).hexdigest()
                    when = self._time(info, mtime)
                    if nested or sha not in self.known:
                        if self.written + len(data) > self.cap:
                            out.notes.append(
                                _note(m_name, "file.extract_cap", limit=_mib(self.cap))
                            )
                            continue
                        copy = self._write(data, suffix, when)
                    else:
                        copy = None
                    del data
                    if nested:
                        try:
                            sub = self.expand(copy or "", m_key, m_raw, when, depth + 1)
                        finally:
                            if copy:
                                os.unlink(copy)
                        out.members += sub.members
                        out.notes += sub.notes
                        continue
                    out.members.append(
                        Member(m_key, m_name, m_raw, sha, info.file_size, when, copy)
                    )
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as e:
            # the archive as a whole (its directory) cannot be read; members found before the
            # damage are kept
            out.notes.append(_note(name, "file.bad_archive", _detail(e)))
        return out

    def _judge(self, info: zipfile.ZipInfo) -> tuple[str] | tuple[str, str] | None:
        """Why a member is not extracted: (code[, detail]), or None."""
        if info.compress_type not in METHODS:
            method = METHOD_NAMES.get(info.compress_type, f"方式 {info.compress_type}")
            if info.compress_type == 99:
                return ("file.member_encrypted",)
            return "file.member_method", method
        if info.flag_bits & 0x1:
            return ("file.member_encrypted",)
        if info.file_size > MAX_MEMBER_BYTES:
            return "file.member_too_big", _mib(info.file_size)
        if info.file_size > 1 << 20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            return "file.member_bomb", _mib(info.file_size)
        return None

    def _time(self, info: zipfile.ZipInfo, fallback: float) -> float:
        try:
            return dt.datetime(*info.date_time, tzinfo=self.tz).timestamp()
        except (ValueError, OverflowError):  # a hostile or broken date: the archive's own time
            return fallback

    def _write(self, data: bytes, suffix: str, when: float) -> str:
        self._n += 1
        # the member's own extension, so the reader can say when it does not match the content
        dest = os.path.join(self.scratch, f"{self._n:06d}{suffix[:16]}")
        with open(dest, "xb") as f:
            f.write(data)
        self.written += len(data)
        os.utime(dest, (when, when))
        return dest


@contextlib.contextmanager
def _open_zip(f: io.BufferedIOBase) -> Iterator[tuple[zipfile.ZipFile, dict[str, str]]]:
    """The archive, readable even when a member's name is flagged as UTF-8 but is not (zipfile
    then refuses the whole archive): such names are read as the bytes they are (code page 437,
    lossless), and returned with how they are shown (the bytes as UTF-8, with U+FFFD)."""
    try:
        zf = zipfile.ZipFile(f)
        misflagged: dict[str, str] = {}
    except UnicodeDecodeError:
        patched = _unflag(f)
        if patched is None:
            raise
        zf = zipfile.ZipFile(patched[0])
        misflagged = patched[1]
    with zf:
        yield zf, misflagged


def _unflag(f: io.BufferedIOBase) -> tuple[_Overlay, dict[str, str]] | None:
    """`f` with the UTF-8 flag cleared on the entries whose names are not UTF-8 (in the
    central directory and in the local header, which zipfile compares when it opens one), and
    those names (as zipfile will read them: code page 437) → how they are shown."""
    size = f.seek(0, os.SEEK_END)
    tail_at = max(0, size - (1 << 16) - 22)
    f.seek(tail_at)
    tail = f.read()
    eocd = tail.rfind(b"PK\x05\x06")
    if eocd < 0 or len(tail) < eocd + 22:
        return None
    cd_size, cd_offset = struct.unpack_from("<II", tail, eocd + 12)
    if 0xFFFFFFFF in (cd_size, cd_offset):
        return None  # zip64: left as it is
    start = tail_at + eocd - cd_size
    if start < 0:
        return None
    f.seek(start)
    cd = f.read(cd_size)
    names: dict[str, str] = {}
    patches: dict[int, bytes] = {}
    at = 0
    while at + 46 <= len(cd) and cd[at : at + 4] == b"PK\x01\x02":
        (flags,) = struct.unpack_from("<H", cd, at + 8)
        n, m, k = struct.unpack_from("<HHH", cd, at + 28)
        (local,) = struct.unpack_from("<I", cd, at + 42)
        raw = cd[at + 46 : at + 46 + n]
        if flags & 0x800:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                patches[start + at + 8] = struct.pack("<H", flags & ~0x800)
                where = start - cd_offset + local + 6
                f.seek(where)
                head = f.read(2)
                if len(head) == 2:
                    patches[where] = struct.pack("<H", struct.unpack("<H", head)[0] & ~0x800)
                names[raw.decode("cp437")] = raw.decode("utf-8", "replace")
        at += 46 + n + m + k
    f.seek(0)
    return _Overlay(f, patches), names


class _Overlay(io.RawIOBase):
    """A file read through patches of a few bytes (offset → bytes): zipfile reads it as the
    file it stands for."""

    def __init__(self, f: io.BufferedIOBase, patches: dict[int, bytes]) -> None:
        super().__init__()
        self.f, self.patches, self.pos = f, patches, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_CUR:
            offset, whence = self.pos + offset, os.SEEK_SET
        self.pos = self.f.seek(offset, whence)
        return self.pos

    def tell(self) -> int:
        return self.pos

    def readinto(self, b: Any) -> int:
        self.f.seek(self.pos)
        n = self.f.readinto(b) or 0
        for at, patch in self.patches.items():
            lo, hi = max(self.pos, at), min(self.pos + n, at + len(patch))
            if lo < hi:
                b[lo - self.pos : hi - self.pos] = patch[lo - at : hi - at]
        self.pos += n
        return n


class _Bad(Exception):
    def __init__(self, code: str, detail: str) -> None:
        self.code, self.detail = code, detail


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The member's bytes, at most its declared size (a member that says less than it holds is
    damaged or forged); the CRC is checked by zipfile on the way."""
    chunks, total = [], 0
    try:
        with zf.open(info) as src:
            while chunk := src.read(CHUNK):
                total += len(chunk)
                if total > info.file_size:
                    raise _Bad("file.member_corrupt", "实际大小超过声明的大小")
                chunks.append(chunk)
    except _Bad:
        raise
    except NotImplementedError as e:
        raise _Bad("file.member_method", _detail(e)) from e
    except RuntimeError as e:  # "File is encrypted, password required"
        raise _Bad("file.member_encrypted", _detail(e)) from e
    except MemoryError as e:
        raise _Bad("file.member_corrupt", "解压所需内存过多") from e
    except Exception as e:  # bad CRC, truncated data, a broken stream: zlib, bz2, lzma errors
        raise _Bad("file.member_corrupt", _detail(e)) from e
    return b"".join(chunks)


def _detail(e: BaseException) -> str:
    text = str(e).splitlines()[0] if str(e) else type(e).__name__
    return text[:120]


def _mib(n: int) -> str:
    return f"{n / (1 << 20):.0f} MB"


def _note(name: str, code: str, detail: str = "", **kw: object) -> Submission:
    sub = Submission(file=name)
    sub.issues.append(Issue.of(code, msg(code, detail=detail, **kw), file=name))
    return sub
