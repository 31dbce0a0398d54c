"""`reportkit report` on the command line: options, errors (exit 2), the editable template."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import stat
import time
from pathlib import Path

import pytest
from docx import Document

from reportkit.report.template import report_forms, template_for
from tests.report.conftest import report

ROOT = Path(__file__).resolve().parents[2]


def test_listed_in_help_with_chinese_options(cli):
    code, out, _ = cli("--help")
    assert "report" in out and "总结报告" in out
    code, out, _ = cli("report", "--help")
    assert code == 0
    for option in ("--from", "--inbox", "--template", "--date", "--font", "--no-letterhead"):
        assert option in out
    assert "GB/T 9704-2012" in out


def test_plain_output_names_the_file(rollups, tmp_path, cli):
    r = rollups["mem-final"]
    out = tmp_path / "报告 草稿.docx"
    code, text, _ = cli("report", "--unit", "泰安市应急管理局", "--form", "mem-stats",
                        "--milestone", "final", "--from", str(r.out), "-o", str(out))  # fmt: skip
    assert code == 0
    assert f"已写入报告 {out}（附件 2 个" in text
    assert out.exists() and not list(tmp_path.glob(".*.tmp"))


def test_errors_exit_2_with_a_chinese_message(rollups, tmp_path, cli):
    r = rollups["mem-final"]
    base = ["report", "--unit", "泰安市", "--form", "mem-stats", "--milestone", "final",
            "-o", str(tmp_path / "x.docx")]  # fmt: skip
    code, _, err = cli(*base, "--from", str(tmp_path))
    assert code == 2 and "找不到汇总结果" in err
    code, _, err = cli(*base, "--from", str(r.out), "--font", "标题=黑体")
    assert code == 2 and "字体设置“标题=黑体”无效" in err
    code, _, err = cli(*base, "--from", str(r.out), "--date", "11月4日")
    assert code == 2 and "无法识别的日期" in err
    bad = tmp_path / "bad.docx"
    bad.write_text("not a Word document")
    code, _, err = cli(*base, "--from", str(r.out), "--template", str(bad))
    assert code == 2 and "Word 模板" in err
    code, _, err = cli("report", "--unit", "泰安市", "--form", "deploy", "--milestone",
                       "deploy", "--line", "samr", "--from", str(rollups["deploy"].out), "-o",
                       str(tmp_path / "d.docx"))  # fmt: skip
    # the deploy roll-up of each line has its own file: only mem's was made here
    assert code == 2 and "找不到汇总结果" in err and "370900-deploy-samr-deploy.json" in err
    assert not (tmp_path / "x.docx").exists()


def test_wording_comes_from_an_edited_template(rollups, tmp_path, cli):
    template = tmp_path / "我的模板.docx"
    shutil.copy(ROOT / "templates" / "docx" / "mem-stats.docx", template)
    doc = Document(str(template))
    for p in doc.paragraphs:  # what a clerk does in Word: change the words, keep the {{ }}
        if p.text == "一、基本情况":
            p.runs[0].text = "一、总体情况"
        if p.text.startswith("按照{{ basis }}"):
            p.runs[0].text = "今年以来，{{ scope }}认真落实{{ basis }}。"
    doc.save(str(template))
    out = tmp_path / "r.docx"
    code, _ = report(cli, rollups["mem-final"], out, "--template", str(template))
    assert code == 0
    texts = [p.text for p in Document(str(out)).paragraphs]
    assert "一、总体情况" in texts and "一、基本情况" not in texts
    assert any(t.startswith("今年以来，全市认真落实《市场监管总局") for t in texts)


def test_fonts_are_configurable_and_letterhead_optional(rollups, tmp_path, cli):
    out = tmp_path / "r.docx"
    code, _ = report(cli, rollups["samr-final"], out, "--font", "title=华文中宋",
                     "--font", "body=仿宋", "--no-letterhead")  # fmt: skip
    assert code == 0
    doc = Document(str(out))
    styles = doc.styles.element
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

    def east(sid: str) -> str:
        st = styles.find(f"{w}style[@{w}styleId='{sid}']")
        return st.find(f"{w}rPr/{w}rFonts").get(f"{w}eastAsia")

    assert east("Title") == "华文中宋" and east("Normal") == "仿宋"
    assert east("Heading1") == "黑体"  # untouched
    assert not [p for p in doc.paragraphs if p.style.style_id == "RKLetterhead"]
    assert doc.paragraphs[0].style.style_id == "Title"


# Two moments a day and more apart, as seconds since the epoch (what `time.time()` returns).
MONDAY_9AM = 1730682000.0  # 2024-11-04 09:00 Asia/Shanghai
TUESDAY_5PM = 1730797200.0  # 2024-11-05 17:00 Asia/Shanghai


def at(monkeypatch, moment: float) -> None:
    """Let the clock read `moment` (zip members and document properties take it from here)."""
    monkeypatch.setattr(time, "time", lambda: moment)


def test_a_template_built_on_another_day_has_the_same_bytes(monkeypatch, campaign):
    for kind in report_forms(campaign):
        at(monkeypatch, MONDAY_9AM)
        first = template_for(campaign, kind)
        at(monkeypatch, TUESDAY_5PM)
        assert template_for(campaign, kind) == first, kind


def test_committed_templates_are_current_and_editable(campaign):
    spec = importlib.util.spec_from_file_location("make", ROOT / "scripts/make_docx_template.py")
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    assert make.main(["--check"]) == 0, "run python scripts/make_docx_template.py"
    kinds = report_forms(campaign)
    assert kinds == ["mem-stats", "samr-stats", "deploy"]  # the campaign's report.toml writes three
    for kind in kinds:
        doc = Document(str(ROOT / "templates" / "docx" / f"{kind}.docx"))
        text = "\n".join(p.text for p in doc.paragraphs)
        assert "{{ title }}" in text and "{{ date }}" in text and "{%p for p in problems %}" in text
        names = {s.name for s in doc.styles}
        assert {"RK 发文机关标志", "RK 成文日期", "RK 附件说明", "RK 待填写"} <= names


def test_a_rollup_not_yet_run_names_the_command_to_run_first(rollups, tmp_path, cli):
    """The clerk asks for the samr-stats midterm report, but only the final roll-up was run
    (and, the first time, never ran reportkit rollup at all)."""
    out = rollups["samr-final"].out
    base = ["report", "--unit", "泰安市", "--form", "samr-stats", "--milestone", "midterm",
            "-o", str(tmp_path / "r.docx")]  # fmt: skip
    code, _, err = cli(*base, "--from", str(out))
    assert code == 2
    assert str(out / "370900-samr-stats-midterm.json") in err  # one line: no "-samr-" in it
    assert "samr-stats-samr" not in err
    assert (
        f"reportkit rollup 收件箱 --unit 泰安市 --form samr-stats --milestone midterm -o {out}"
        in err
    )
    never = tmp_path / "汇总 结果"  # a folder rollup would have made
    code, _, err = cli(*base, "--from", str(never))
    assert code == 2 and "找不到文件或文件夹" not in err
    assert f'--milestone midterm -o "{never}"' in err
    # a form both lines fill: the line is part of the command (and of the file name)
    code, _, err = cli("report", "--unit", "泰安市", "--form", "deploy",
                       "--milestone", "deploy", "--line", "samr", "--from", str(out),
                       "-o", str(tmp_path / "d.docx"))  # fmt: skip
    assert code == 2 and "370900-deploy-samr-deploy.json" in err
    assert "--form deploy --milestone deploy --line samr -o" in err
    assert not list(tmp_path.glob("*.docx"))


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640)])
def test_the_report_follows_the_umask_like_every_other_output(rollups, tmp_path, cli, umask, mode):
    old = os.umask(umask)
    try:
        out = tmp_path / "报告.docx"
        code, _ = report(cli, rollups["mem-final"], out)
    finally:
        os.umask(old)
    assert code == 0
    assert stat.S_IMODE(out.stat().st_mode) == mode  # not mkstemp's 0600


def test_a_report_staff_have_edited_is_never_lost(rollups, tmp_path, cli):
    """The clerk generates the report, writes 下一步工作 in Word, then runs the command again."""
    r = rollups["mem-final"]
    out = tmp_path / "泰安市总结.docx"
    args = ["report", "--unit", "泰安市", "--form", "mem-stats", "--milestone", "final",
            "--from", str(r.out), "-o", str(out), "--date", "2024-11-04"]  # fmt: skip
    code, text, _ = cli(*args)
    assert code == 0 and "已写入报告" in text
    first = out.read_bytes()
    code, text, _ = cli(*args)  # nothing changed: the file is left as it is
    assert code == 0 and "未改动" in text and "已写入" not in text
    assert out.read_bytes() == first
    doc = Document(str(out))
    todo = next(p for p in doc.paragraphs if p.text.startswith("【待填写"))
    todo.runs[0].text = "一是持续巩固治理成果。二是建立长效机制。"
    doc.save(str(out))
    edited = out.read_bytes()
    code, _, err = cli(*args)
    assert code == 2 and "已存在" in err and "--force" in err
    assert out.read_bytes() == edited
    code, text, _ = cli(*args, "--force")
    assert code == 0
    kept = [p for p in tmp_path.glob("泰安市总结（原文件 *）.docx")]
    assert len(kept) == 1 and re.fullmatch(r"泰安市总结（原文件 \d{8}-\d{6}）\.docx", kept[0].name)
    assert f"已另存为 {kept[0]}" in text
    assert kept[0].read_bytes() == edited  # the clerk's words are all there
    assert out.read_bytes() == first  # and the report is the fresh one
    # a second forced run keeps the first version too, under its own name
    out.write_bytes(edited)
    code, text, _ = cli(*args, "--force", "--json")
    assert code == 0
    data = json.loads(text)
    assert data["state"] == "replaced" and data["kept"] != str(kept[0])
    assert Path(data["kept"]).read_bytes() == edited and kept[0].read_bytes() == edited


def test_the_same_report_with_appended_documents_is_unchanged(rollups, tmp_path, cli, monkeypatch):
    """Appended documents with numbered lists (docxcompose renumbers them) give the same bytes,
    the next day too (the report's date is --date, not the clock)."""
    import docx

    inbox = tmp_path / "docs"
    inbox.mkdir()
    d = docx.Document()
    d.add_heading("泰山区工作总结", 0)
    d.add_paragraph("一项", style="List Number")
    d.add_paragraph("二项", style="List Number")
    d.save(str(inbox / "泰山区应急管理局工作总结.docx"))
    out = tmp_path / "r.docx"
    at(monkeypatch, MONDAY_9AM)
    code, data = report(cli, rollups["mem-final"], out, "--inbox", str(inbox))
    assert code == 0 and data["state"] == "written"
    first = out.read_bytes()
    at(monkeypatch, TUESDAY_5PM)
    code, data = report(cli, rollups["mem-final"], out, "--inbox", str(inbox))
    assert code == 0 and data["state"] == "unchanged" and data["kept"] is None
    assert out.read_bytes() == first


def test_a_template_whose_font_table_lost_the_fallbacks_gets_them_back(rollups, tmp_path, cli):
    """Word rewrites the font table when staff save their edited template."""
    import zipfile

    template = tmp_path / "我的模板.docx"
    with (
        zipfile.ZipFile(ROOT / "templates" / "docx" / "mem-stats.docx") as src,
        zipfile.ZipFile(template, "w") as dst,
    ):
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/fontTable.xml":
                data = re.sub(rb"<w:altName [^>]*/>", b"", data)
            dst.writestr(item, data)
    out = tmp_path / "r.docx"
    code, _ = report(cli, rollups["mem-final"], out, "--template", str(template))
    assert code == 0
    with zipfile.ZipFile(out) as z:
        fonts = z.read("word/fontTable.xml").decode()
    assert '<w:altName w:val="仿宋,Noto Serif CJK SC"/>' in fonts
    assert '<w:altName w:val="楷体,LXGW WenKai"/>' in fonts
