"""The report's Word materials go through the roll-up's own inbox walker, archive expander,
sniffer and isolated workers: a link out of the inbox is not followed, GBK names inside a .zip
are read, bombs are stopped at the workbooks' limits, and a document that hangs, crashes or
exhausts the parser costs only itself."""

from __future__ import annotations

import io
import multiprocessing
import os
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest

from reportkit.io import archive, sniff
from reportkit.messages import msg
from reportkit.model.target import Target
from reportkit.report import compile as compile_mod
from reportkit.report.compile import find_narratives

POSIX = os.name == "posix"
PAD = 2 << 20  # a padding part over the 1 MiB from which the compression ratio counts


def docx_bytes(title: str, extra: dict[str, tuple[bytes, int]] | None = None) -> bytes:
    """A Word document titled `title`, with `extra` parts (name → (data, zip method)) that
    nothing refers to: python-docx opens it as usual."""
    d = docx.Document()
    d.add_heading(title, 0)
    d.add_paragraph("正文。")
    buf = io.BytesIO()
    d.save(buf)
    if not extra:
        return buf.getvalue()
    with zipfile.ZipFile(buf, "a") as zf:
        for name, (data, method) in extra.items():
            zf.writestr(name, data, compress_type=method)
    return buf.getvalue()


def narratives(campaign, inbox: list[Path], milestone: str = "final"):
    """(names found, {name: reason} left out) for the 泰安市 mem report."""
    target = Target(
        campaign, campaign.unit("泰安市"), "mem", campaign.forms["mem-stats"], milestone
    )
    with find_narratives(target, inbox) as (found, skipped):
        for n in found:  # the paths are valid inside the block, and are the documents read
            assert docx.Document(str(n.path)).paragraphs[0].text == n.title
        return [n.shown_as for n in found], {s.shown_as: s.reason for s in skipped}


def padded(ratio: float, build: Callable[[bytes], float]) -> bytes:
    """Padding whose compressed ratio, as `build` measures it, is within 10% of `ratio`:
    random bytes (which do not compress) before zeros (which do)."""
    lo, hi = 0, PAD
    while lo < hi:
        k = (lo + hi) // 2
        data = os.urandom(k) + bytes(PAD)
        got = build(data)
        if abs(got - ratio) <= ratio * 0.1:
            return data
        lo, hi = (k + 1, hi) if got > ratio else (lo, k)
    raise AssertionError(f"no padding compresses {ratio:.0f}:1")


def _ratio(zf: zipfile.ZipFile, name: str) -> float:
    info = zf.getinfo(name)
    return info.file_size / info.compress_size


# --- the walker --------------------------------------------------------------------------------


@pytest.mark.skipif(not POSIX, reason="symbolic links (POSIX)")
def test_a_link_out_of_the_inbox_is_not_followed(campaign, tmp_path):
    inbox, outside = tmp_path / "inbox", tmp_path / "outside"
    inbox.mkdir()
    outside.mkdir()
    (inbox / "泰山区应急管理局总结.docx").write_bytes(docx_bytes("泰山区专项治理工作总结"))
    (outside / "肥城市应急管理局总结.docx").write_bytes(docx_bytes("肥城市专项治理工作总结"))
    (outside / "新泰市应急管理局总结.docx").write_bytes(docx_bytes("新泰市专项治理工作总结"))
    (inbox / "肥城市应急管理局总结.docx").symlink_to(outside / "肥城市应急管理局总结.docx")
    (inbox / "外部文件夹").symlink_to(outside, target_is_directory=True)
    # a link that stays inside the inbox is followed, as for workbooks
    (inbox / "重复.docx").symlink_to(inbox / "泰山区应急管理局总结.docx")
    found, reasons = narratives(campaign, [inbox])
    assert [Path(f).name for f in found] == ["泰山区应急管理局总结.docx"]
    assert {Path(f).name: r for f, r in reasons.items()} == {
        "重复.docx": msg("report.doc_duplicate", other=found[0])
    }


def test_gbk_names_in_a_zip_and_in_a_zip_inside_it(campaign, tmp_path):
    """As Windows zip tools write them (GBK, no UTF-8 flag), and a member named '../…' is
    extracted inside the temporary folder, never beside the archive."""

    def gbk_zip(members: dict[str, bytes]) -> bytes:
        buf = io.BytesIO()
        swap = {}
        with zipfile.ZipFile(buf, "w") as zf:
            for i, (name, data) in enumerate(members.items()):
                raw = name.encode("gbk")
                placeholder = f"{i:02d}".encode() + b"x" * (len(raw) - 2)
                swap[placeholder] = raw
                zf.writestr(placeholder.decode(), data)
        out = buf.getvalue()
        for placeholder, raw in swap.items():
            out = out.replace(placeholder, raw)
        return out

    inner = gbk_zip({"肥城市/肥城市应急管理局总结.docx": docx_bytes("肥城市工作总结")})
    outer = tmp_path / "in" / "收件箱.zip"
    outer.parent.mkdir()
    outer.write_bytes(
        gbk_zip({"../泰山区应急管理局总结.docx": docx_bytes("泰山区工作总结"), "下级.zip": inner})
    )
    found, reasons = narratives(campaign, [outer])
    assert found == [
        f"{outer}/../泰山区应急管理局总结.docx",
        f"{outer}/下级.zip/肥城市/肥城市应急管理局总结.docx",
    ]
    assert reasons == {}
    assert not (tmp_path / "泰山区应急管理局总结.docx").exists()


# --- bombs: the workbooks' limits ----------------------------------------------------------------


@pytest.mark.parametrize("over", [False, True])
def test_a_zip_member_is_judged_with_the_workbooks_ratio(campaign, tmp_path, over):
    """A member compressed more than the roll-up's archive limit is not extracted (with the
    roll-up's message); one just under it is extracted and goes on to the sniffer (which finds
    it is no Word document); the archive's other documents are read either way."""
    limit = archive.MAX_RATIO
    path = tmp_path / "in" / "材料.zip"
    path.parent.mkdir()
    name = "泰山区应急管理局总结.docx"

    def write(pad: bytes) -> float:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(name, pad)
            zf.writestr("肥城市应急管理局总结.docx", docx_bytes("肥城市工作总结"))
        with zipfile.ZipFile(path) as zf:
            return _ratio(zf, name)

    write(padded(limit * (1.25 if over else 0.8), write))
    found, reasons = narratives(campaign, [path])
    assert [Path(f).name for f in found] == ["肥城市应急管理局总结.docx"]
    size = zipfile.ZipFile(path).getinfo(name).file_size
    bomb = msg("file.member_bomb", detail=f"{size >> 20} MB")
    assert reasons == {f"{path}/{name}": bomb if over else msg("report.doc_not_docx")}


@pytest.mark.parametrize("over", [False, True])
def test_a_part_of_a_document_is_judged_with_the_workbooks_ratio(campaign, tmp_path, over):
    """A part inside the .docx compressed more than a workbook's part may be is not opened;
    one under that limit is (the report's own, stricter limit is gone)."""
    limit = sniff.MAX_RATIO
    target = limit * (1.2 if over else 0.8)
    path = tmp_path / "in" / "泰山区应急管理局总结.docx"
    path.parent.mkdir()

    def write(pad: bytes) -> float:
        path.write_bytes(
            docx_bytes("泰山区工作总结", {"word/media/pad.bin": (pad, zipfile.ZIP_DEFLATED)})
        )
        with zipfile.ZipFile(path) as zf:
            return _ratio(zf, "word/media/pad.bin")

    write(padded(target, write))
    found, reasons = narratives(campaign, [path.parent])
    if over:
        assert found == []
        detail = msg("report.doc_part_big", part="word/media/pad.bin")
        assert reasons == {str(path): msg("report.doc_hostile", detail=detail)}
    else:
        assert found == [str(path)] and reasons == {}


# --- the isolated workers ------------------------------------------------------------------------


def test_a_document_that_hangs_crashes_or_exhausts_the_parser_costs_only_itself(
    campaign, tmp_path, monkeypatch
):
    real = compile_mod.paragraphs
    parent = os.getpid()

    def hostile(source):  # type: ignore[no-untyped-def]
        assert os.getpid() != parent, "a document was parsed in the report's own process"
        if b"HANG" in source:  # the part's name is stored in the zip directory as is
            while True:
                time.sleep(1)
        if b"CRASH" in source:
            os.abort()
        if b"HOG" in source:
            return [str(len(bytearray(2 << 30)))]  # over the workers' memory cap
        return real(source)

    # the workers are forked from this process: they parse with the hostile parser
    monkeypatch.setattr(compile_mod, "paragraphs", hostile)
    monkeypatch.setattr(compile_mod, "TIMEOUT", 1.5)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for unit, marker in (
        ("泰山区", "HANG"),
        ("岱岳区", "CRASH"),
        ("新泰市", "HOG"),
        ("肥城市", ""),
    ):
        extra = {f"docProps/{marker}.xml": (b"<x/>", zipfile.ZIP_STORED)} if marker else None
        data = docx_bytes(f"{unit}工作总结", extra)
        (inbox / f"{unit}应急管理局总结.docx").write_bytes(data)
    results: list = []
    # read on a thread: if the time limit does not work, the test fails instead of hanging
    reader = threading.Thread(
        target=lambda: results.append(narratives(campaign, [inbox])), daemon=True
    )
    reader.start()
    reader.join(60)
    if reader.is_alive():
        for child in multiprocessing.active_children():
            child.kill()
        pytest.fail("a document that hangs the parser was never stopped")
    found, reasons = results[0]
    assert [Path(f).name for f in found] == ["肥城市应急管理局总结.docx"]
    assert {Path(f).name: r for f, r in reasons.items()} == {
        "泰山区应急管理局总结.docx": msg("report.doc_timeout", seconds=1),
        "岱岳区应急管理局总结.docx": msg("report.doc_crashed"),
        "新泰市应急管理局总结.docx": msg("report.doc_crashed"),
    }


def test_the_extracted_members_are_gone_when_the_block_ends(campaign, tmp_path):
    path = tmp_path / "材料.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("泰山区应急管理局总结.docx", docx_bytes("泰山区工作总结"))
    target = Target(campaign, campaign.unit("泰安市"), "mem", campaign.forms["mem-stats"], "final")
    with find_narratives(target, [path]) as (found, _):
        copy = found[0].path
        assert copy.is_file() and Path(tempfile.gettempdir()) in copy.parents
    assert not copy.exists()
