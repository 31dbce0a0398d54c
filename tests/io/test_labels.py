"""Tables clerks retype by hand: seals beside the unit, labels that nearly match the notice,
a label that does not, and the zip a clerk hands to `validate`."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from reportkit.io.intake import Options, read_one
from reportkit.sample import sample_values
from tests.io.test_reader import _retyped_mem


@pytest.fixture
def daiyue(campaign):
    return sample_values(campaign, campaign.forms["mem-stats"], campaign.unit("岱岳区"), "mem",
                         "final", seed=3)  # fmt: skip


def _retyped(tmp_path: Path, values, **cells: str | None) -> Path:
    path = tmp_path / "岱岳区 重新录入.xlsx"
    _retyped_mem(path, values, True)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    for ref, text in cells.items():
        ws[ref] = text
    wb.save(path)
    return path


def _read(path: Path, campaign):
    return read_one(path, campaign, Options(default_milestone="final", parent="370900"))


@pytest.mark.parametrize(
    "cells",
    [
        {"B3": "填报单位（盖章）：岱岳区应急管理局"},
        {"B3": "填报单位(盖章):岱岳区应急管理局"},
        {"B3": "填报单位：岱岳区应急管理局（盖章）"},
        {"B3": "填报单位（公章）： 岱岳区应急管理局。"},
        {"B3": "填报单位：", "C3": "岱岳区应急管理局（盖章）"},
        {"B3": None, "B12": "岱岳区应急管理局（盖章）"},  # no label: the unit as signed
    ],
)
def test_the_unit_is_read_with_its_seal_note(tmp_path, campaign, daiyue, cells):
    sub = _read(_retyped(tmp_path, daiyue, **cells), campaign)
    assert sub.unit_code == "370911" and sub.line == "mem", [i.message for i in sub.issues]
    assert sub.valid


@pytest.mark.parametrize(
    ("cell", "typed"),
    [
        ("C7", "完成自查机构数量(家)"),  # no 的
        ("C7", "完成自查的机构数量"),  # no unit
        ("C7", "完成自查的机构数量 （家）。"),  # spaces and punctuation
        ("E7", "自查出的 问题总数\n(项)"),  # a line break and a space: the label itself
    ],
)
def test_a_near_miss_of_an_official_label_is_read_and_said(tmp_path, campaign, daiyue, cell, typed):
    sub = _read(_retyped(tmp_path, daiyue, **{cell: typed}), campaign)
    assert sub.valid, [i.message for i in sub.issues]
    near = [i for i in sub.issues if i.code == "read.near_label"]
    said = [] if typed.startswith("自查出的 ") else [(cell, "info")]
    assert [(i.cell, i.severity) for i in near] == said
    col = "self_checked" if cell == "C7" else "self_problems"
    assert sub.values[f"training.{col}"] == daiyue[f"training.{col}"]


def test_a_label_that_is_not_recognised_is_named_once_not_as_every_cell_blank(
    tmp_path, campaign, daiyue
):
    sub = _read(_retyped(tmp_path, daiyue, G7="完成检查的机构数(家)"), campaign)
    missing = [i for i in sub.issues if i.code == "read.label_missing"]
    assert len(missing) == 1 and missing[0].severity == "error"
    assert missing[0].cell == "G7"
    assert "完成执法检查的机构数量(家)" in missing[0].message  # what was expected
    assert "完成检查的机构数(家)" in missing[0].message  # what was typed, and where
    assert not [i for i in sub.issues if i.code == "required.missing"]


def test_a_label_of_another_column_is_not_taken_as_a_near_miss(tmp_path, campaign, daiyue):
    # 查出的问题总数 is a label of its own, not a near miss of 自查出的问题总数
    sub = _read(_retyped(tmp_path, daiyue, E7="查出的问题总数(项)"), campaign)
    assert not [i for i in sub.issues if i.code == "read.near_label"]
    assert [i.code for i in sub.issues if i.severity == "error"] == ["read.label_missing"]


def test_validate_reads_a_zip_as_rollup_does(cli, tmp_path, campaign, daiyue):
    path = _retyped(tmp_path, daiyue, B3="填报单位：岱岳区应急管理局")
    archive = tmp_path / "报表.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(path, "县局/岱岳区.xlsx")
        zf.writestr("县局/说明.docx", b"PK")
        zf.writestr("县局/坏.xlsx", b"not a workbook")
    r = cli("validate", str(archive), "--json")
    files = {Path(f["file"]).name: f for f in r.json()["files"]}
    assert r.code == 1  # 坏.xlsx
    assert files["岱岳区.xlsx"]["status"] == "valid" and files["岱岳区.xlsx"]["unit"] == "370911"
    assert files["岱岳区.xlsx"]["file"] == f"{archive}/县局/岱岳区.xlsx"
    assert files["说明.docx"]["status"] == "skipped"
    assert files["坏.xlsx"]["status"] == "invalid"
