"""Subordinates' Word documents appended as attachments: which unit, which line, which
milestone, in what order; broken or hostile files are left out with a reason."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from docx import Document

from reportkit.model.target import Target
from reportkit.report.compile import classify, find_narratives, identify


def make(path: Path, title: str, body: str = "正文。", sign: str = "") -> Path:
    d = docx.Document()
    d.add_heading(title, 0)
    d.add_paragraph(body)
    if sign:
        d.add_paragraph(sign)
    path.parent.mkdir(parents=True, exist_ok=True)
    d.save(path)
    return path


@pytest.fixture
def taian(campaign):
    return campaign.unit("泰安市")


@pytest.mark.parametrize(
    ("texts", "unit", "line"),
    [
        (["370911-岱岳区应急管理局-总结"], "岱岳区", "mem"),
        (["先进经验做法（泰山区）"], "泰山区", None),
        (["泰山景区应急管理局中期总结"], "泰山景区", "mem"),  # not 泰山区, not 泰山
        (["总结", "肥城市市场监督管理局"], "肥城市", "samr"),
        (["高新区典型案例"], "泰安高新技术产业开发区", None),
        (["工作总结", "正文"], None, None),
    ],
)
def test_identify(campaign, taian, texts, unit, line):
    region, found_line = identify(campaign, taian, texts)
    assert (region.name if region else None) == unit
    assert found_line == line


def test_classify(campaign):
    assert classify(campaign, "中期总结") == "midterm"
    assert classify(campaign, "专项治理工作总结") == "final"
    assert classify(campaign, "先进经验做法") == "experience"
    assert classify(campaign, "典型案例") == "cases"
    assert classify(campaign, "实施方案") == "deploy"
    assert classify(campaign, "材料") is None


def test_order_filters_and_reasons(campaign, taian, tmp_path):
    inbox = tmp_path / "收件箱 2024"
    make(inbox / "肥城市" / "典型案例.docx", "典型案例", sign="肥城市应急管理局")
    make(inbox / "370911-岱岳区应急管理局-工作总结.docx", "岱岳区工作总结")
    make(inbox / "先进经验做法（泰山区）.docx", "泰山区先进经验做法")
    make(inbox / "泰山区应急管理局总结.docx", "泰山区专项治理工作总结")
    make(inbox / "东平县中期总结.docx", "东平县中期总结")
    make(inbox / "泰山区市场监督管理局总结.docx", "工作总结")
    make(inbox / "章丘区应急管理局总结.docx", "章丘区总结")  # 济南市, not 泰安市
    make(inbox / "无名.docx", "工作总结")
    (inbox / "坏的总结（泰山区）.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (inbox / "~$泰山区总结.docx").write_bytes(b"lock")
    shutil_copy = (inbox / "370911-岱岳区应急管理局-工作总结.docx").read_bytes()
    (inbox / "副本-岱岳区总结.docx").write_bytes(shutil_copy)
    with find_narratives(
        Target(campaign, taian, "mem", campaign.forms["mem-stats"], "final"), [inbox]
    ) as (found, skipped):
        order = [(n.unit.name, n.kind, Path(n.shown_as).name) for n in found]
        reasons = {Path(s.shown_as).name: s.reason for s in skipped}
    assert order == [
        ("泰山区", "final", "泰山区应急管理局总结.docx"),
        ("泰山区", "experience", "先进经验做法（泰山区）.docx"),
        ("岱岳区", "final", "370911-岱岳区应急管理局-工作总结.docx"),
        ("肥城市", "cases", "典型案例.docx"),
    ]
    assert "中期" in reasons["东平县中期总结.docx"]
    assert "市场监管条线" in reasons["泰山区市场监督管理局总结.docx"]
    assert "识别" in reasons["无名.docx"]
    assert "章丘区应急管理局总结.docx" in reasons  # not below 泰安市: no name matches
    assert "损坏" in reasons["坏的总结（泰山区）.docx"]
    assert "内容相同" in reasons["副本-岱岳区总结.docx"]
    assert "~$泰山区总结.docx" not in reasons


def test_zip_inbox_with_gbk_names(campaign, taian, tmp_path):
    doc = make(tmp_path / "x.docx", "新泰市中期总结")
    archive = tmp_path / "收件箱.zip"
    name = "新泰市/新泰市应急管理局中期总结.docx"
    raw_name = name.encode("gbk")
    placeholder = "x" * (len(raw_name) - 5) + ".docx"
    with zipfile.ZipFile(archive, "w") as zf:  # as Windows zip tools write it: GBK, no flag
        zf.writestr(placeholder, doc.read_bytes())
        zf.writestr("readme.txt", "x")
    archive.write_bytes(archive.read_bytes().replace(placeholder.encode(), raw_name))
    with find_narratives(
        Target(campaign, taian, "mem", campaign.forms["mem-stats"], "midterm"), [archive]
    ) as (found, skipped):
        assert [n.unit.name for n in found] == ["新泰市"]
        assert Document(str(found[0].path)).paragraphs[0].text == "新泰市中期总结"
        assert found[0].shown_as.endswith(name)
    assert skipped == []


def test_hostile_document_is_not_parsed(campaign, taian, tmp_path):
    doc = make(tmp_path / "ok.docx", "泰山区总结")
    bad = tmp_path / "inbox" / "泰山区应急管理局总结.docx"
    bad.parent.mkdir()
    with zipfile.ZipFile(doc) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaa">]>', 1)
            dst.writestr(item, data)
    with find_narratives(
        Target(campaign, taian, "mem", campaign.forms["mem-stats"], "final"), [bad.parent]
    ) as (found, skipped):
        assert found == []
        assert "XML 实体声明" in skipped[0].reason


def test_appended_in_unit_order_after_the_tables(rollups, tmp_path, cli):
    from tests.report.conftest import report

    inbox = tmp_path / "docs"
    make(inbox / "肥城市应急管理局工作总结.docx", "肥城市工作总结", "肥城市的总结。")
    make(inbox / "泰山区应急管理局工作总结.docx", "泰山区工作总结", "泰山区的总结。")
    out = tmp_path / "r.docx"
    code, data = report(cli, rollups["mem-final"], out, "--inbox", str(inbox))
    assert code == 0
    assert data["attachments"][2:] == ["泰山区工作总结", "肥城市工作总结"]
    doc = Document(str(out))
    texts = [p.text for p in doc.paragraphs]
    i3, i4 = texts.index("附件3"), texts.index("附件4")
    assert texts[i3 + 1] == "泰山区工作总结" and "泰山区的总结。" in texts[i3:i4]
    assert texts[i4 + 1] == "肥城市工作总结" and texts[-1] == "肥城市的总结。"
    note = [p.text for p in doc.paragraphs if p.style.style_id == "RKAttachNext"]
    assert note[-2:] == ["3．泰山区工作总结", "4．肥城市工作总结"]
    # the appended pages are portrait again, with the report's margins and page numbers
    last = doc.sections[-1]
    assert last.page_height > last.page_width
    assert last.footer.paragraphs[0].text.startswith("— ")


def test_appended_titles_keep_a_title_style_and_nothing_is_distributed(rollups, tmp_path, cli):
    """WPS-typed documents: a centred Normal title, a 标题 1 title, a 分散对齐 paragraph."""
    from docx.oxml.ns import qn

    from tests.report.conftest import report, wps_documents

    wps_documents(tmp_path / "docs")
    out = tmp_path / "r.docx"
    code, _ = report(cli, rollups["mem-final"], out, "--inbox", str(tmp_path / "docs"))
    assert code == 0
    doc = Document(str(out))
    by_text = {p.text: p for p in doc.paragraphs}
    for title in ("泰山区应急管理局专项治理工作总结", "肥城市专项治理工作总结"):
        p = by_text[title]
        assert p.style.name == "RK 附件标题"  # centred, no first-line indent, 小标宋
        assert p._p.pPr.find(qn("w:ind")) is None and p._p.pPr.find(qn("w:jc")) is None
    short = by_text["肥城市的总结，内容很短。"]
    assert short._p.pPr.find(qn("w:jc")).get(qn("w:val")) == "both"
    compat = doc.settings.element.find(qn("w:compat"))
    assert compat.find(qn("w:doNotExpandShiftReturn")) is not None  # Shift+Enter lines
