"""Hostile and broken files are recognised before any parser sees them."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from reportkit.io.sniff import is_lock_file, sniff, sniff_data

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile"


@pytest.mark.parametrize(
    ("name", "kind", "problem"),
    [
        ("empty.xlsx", "empty", "file.empty"),
        ("truncated.xlsx", "zip", "file.corrupt_zip"),
        ("encrypted.xlsx", "encrypted", "file.encrypted"),
        ("html-saved-as.xls", "html", "file.html"),
        ("csv-saved-as.xls", "csv", "file.csv"),
        ("xml2003-saved-as.xls", "xml2003", "file.xml2003"),
        ("word-renamed.xlsx", "docx", "file.word"),
        ("entity-expansion.xlsx", "xlsx", "file.xml_dtd"),
        ("external-entity.xlsx", "xlsx", "file.xml_dtd"),
        ("zip-bomb.xlsx", "xlsx", "file.zip_bomb"),
        ("lying-size.xlsx", "xlsx", "file.zip_size_lie"),
        ("million-strings.xlsx", "xlsx", "file.too_many_strings"),
        ("far-cell.xlsx", "xlsx", "file.sheet_too_large"),
        ("duplicate-entries.xlsx", "xlsx", "file.zip_duplicate"),
    ],
)
def test_hostile_file_is_stopped(name, kind, problem):
    verdict = sniff(HOSTILE / name)
    assert (verdict.kind, verdict.problem) == (kind, problem)
    assert not verdict.readable


def test_lock_files_are_recognised_by_name():
    assert is_lock_file(HOSTILE / "~$泰山区报表.xlsx")
    assert is_lock_file(Path(".~泰山区报表.xlsx"))
    assert not is_lock_file(Path("泰山区报表.xlsx"))


def test_zip_bomb_is_rejected_without_inflating_it():
    resource = pytest.importorskip("resource")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sniff(HOSTILE / "zip-bomb.xlsx")
    # the 1 GiB part is never inflated into memory
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # KiB


def test_a_zip_claiming_a_future_zip_version_is_corrupt_not_a_crash():
    good = next((Path(__file__).resolve().parents[1] / "data" / "good").rglob("*.xlsx"))
    data = bytearray(good.read_bytes())
    at = data.find(b"PK\x01\x02")
    struct.pack_into("<B", data, at + 6, 70)  # "needs zip version 7.0 to extract"
    assert sniff_data(bytes(data)).problem == "file.corrupt_zip"


def test_a_sheet_declaring_the_whole_grid_is_read_by_what_it_holds():
    """A declared dimension is not what is there: LibreOffice declares A1:G1048576 once a row
    has been deleted, and python-calamine sizes a sheet by its cells. One cell behind
    A1:XFD1048576 is read as one cell, not refused (nor a million rows built)."""
    from reportkit.io.reader import load_sheets

    verdict = sniff(HOSTILE / "false-dimension.xlsx")
    assert (verdict.kind, verdict.problem) == ("xlsx", None) and verdict.readable
    sheets = load_sheets((HOSTILE / "false-dimension.xlsx").read_bytes())
    assert [len(s.rows) for s in sheets] == [1] and sheets[0].get(0, 0) == "x"
