"""The report's wording and figures come from the campaign folder's report.toml."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest
from docx import Document

from reportkit.model.campaign import CampaignError, load_campaign
from reportkit.report.spec import report_spec


def folder_copy(tmp_path: Path) -> Path:
    """The packaged campaign folder, copied where a test may change it."""
    src = resources.files("reportkit.campaigns").joinpath("tzzy-2024")
    dst = tmp_path / "campaign"
    dst.mkdir()
    for name in ("campaign.toml", "report.toml", "sample.toml"):
        (dst / name).write_text(src.joinpath(name).read_text("utf-8"), encoding="utf-8")
    return dst


def test_a_changed_heading_in_report_toml_is_in_the_report(rollups, tmp_path, cli):
    folder = folder_copy(tmp_path)
    toml = folder / "report.toml"
    text = toml.read_text("utf-8")
    assert text.count('"（一）自查自改情况"') == 1
    toml.write_text(text.replace('"（一）自查自改情况"', '"（一）自查自改工作"'), "utf-8")
    out = tmp_path / "r.docx"
    code, _, err = cli("report", "--unit", "泰安市", "--form", "mem-stats", "--milestone", "final",
                       "--from", str(rollups["mem-final"].out), "-o", str(out),
                       "--campaign", str(folder))  # fmt: skip
    assert code == 0, err
    paragraphs = [p.text for p in Document(str(out)).paragraphs]
    assert "（一）自查自改工作" in paragraphs and "（一）自查自改情况" not in paragraphs


def test_a_campaign_file_alone_gets_reportkits_plain_wording(rollups, tmp_path, cli):
    import json

    import docx

    folder = folder_copy(tmp_path)
    (folder / "report.toml").unlink()
    out = tmp_path / "r.docx"
    code, _, err = cli("report", "--unit", "泰安市", "--form", "mem-stats", "--milestone", "final",
                       "--from", str(rollups["mem-final"].out), "-o", str(out),
                       "--campaign", str(folder / "campaign.toml"))  # fmt: skip
    assert code == 0, err
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    summary = json.loads(
        next(rollups["mem-final"].out.glob("370900-mem-stats-final.json")).read_text()
    )
    # every row's figures, as the roll-up has them: 培训机构's 完成自查的机构数量 first
    assert f"完成自查的机构数量{summary['totals']['training.self_checked']}家" in text
    assert "培训机构：" in text and "考试机构：" in text and "各地情况" in text


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ('cell = "total.cases"', 'cell = "total.casez"', "forms.samr-stats.compare[0].cell"),
        (
            '["Heading2", "（一）自查自改情况"]',
            '["Heading9", "（一）自查自改情况"]',
            "mem-stats.body[2]",
        ),
        ('kind = "sources", sum = "fines"', 'kind = "most", sum = "fines"', "compare[2].kind"),
        ('rows = ["training", "exam"]', 'rows = ["training", "exams"]', "forms.mem-stats.rows"),
    ],
)
def test_a_broken_report_toml_names_the_file_and_the_key(tmp_path, cli, old, new, said):
    folder = folder_copy(tmp_path)
    toml = folder / "report.toml"
    text = toml.read_text("utf-8")
    assert text.count(old) == 1
    toml.write_text(text.replace(old, new), "utf-8")
    with pytest.raises(CampaignError) as e:
        report_spec(load_campaign(folder))
    assert said in str(e.value) and "report.toml" in str(e.value)
    code, _, err = cli("report", "--unit", "泰安市", "--form", "附件1", "--milestone", "终期",
                       "--from", str(tmp_path / "none"), "-o", str(tmp_path / "r.docx"),
                       "--campaign", str(folder))  # fmt: skip
    assert code == 2 and said in err and "Traceback" not in err


def test_the_packaged_folder_is_read_whole(campaign):
    spec = report_spec(campaign)
    assert list(spec.forms) == ["mem-stats", "samr-stats", "deploy"]
    assert spec.titles["midterm"] == "中期工作情况"
    assert "治理" in spec.title_words and "关于" in spec.title_words  # its own and reportkit's
    assert campaign.samples["forms"]["mem-stats"]["per_milestone"] is False


def test_a_campaign_folder_and_its_campaign_toml_load_the_same(tmp_path):
    folder = folder_copy(tmp_path)
    by_folder, by_file = load_campaign(folder), load_campaign(folder / "campaign.toml")
    assert by_folder.report == by_file.report and by_folder.samples == by_file.samples
    lone = tmp_path / "lone.toml"
    shutil.copy(folder / "campaign.toml", lone)
    assert load_campaign(lone).report == {}  # a file not named campaign.toml is alone


def test_what_a_word_material_is_comes_from_report_toml(tmp_path):
    from reportkit.report.compile import classify

    folder = folder_copy(tmp_path)
    toml = folder / "report.toml"
    text = toml.read_text("utf-8")
    assert text.count('words = ["中期"]') == 1
    toml.write_text(text.replace('words = ["中期"]', 'words = ["中期", "半年"]'), "utf-8")
    changed = load_campaign(folder)
    assert classify(changed, "上半年工作总结") == "midterm"
    spec = report_spec(changed)
    assert spec.accepts("experience", "midterm") and not spec.accepts("final", "midterm")
    assert spec.rank("deploy") < spec.rank("final") < spec.rank("experience") < spec.rank(None)
