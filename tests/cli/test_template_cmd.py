"""`reportkit template` and `reportkit sample` through the command line."""

from __future__ import annotations

import json
import shutil
import subprocess

import openpyxl
import pytest

from reportkit.model.campaign import default_campaign

TAIAN_COUNTIES = {
    "泰山区", "岱岳区", "宁阳县", "东平县", "新泰市", "肥城市",
    "泰安高新技术产业开发区", "泰山景区", "泰安旅游经济开发区", "徂汶景区",
}  # fmt: skip


def test_children_templates_for_taian(cli, tmp_path):
    rc, out, _ = cli(
        "template",
        "--unit",
        "泰安市",
        "--form",
        "mem-stats",
        "--children",
        "-o",
        str(tmp_path),
        "--json",
    )
    assert rc == 0
    outputs = json.loads(out)["outputs"]
    assert {o["name"].removesuffix("应急管理局") for o in outputs} == TAIAN_COUNTIES
    form = default_campaign().forms["mem-stats"]
    inputs = [c for c in form.cells if not c.derived]
    for o in outputs:
        wb = openpyxl.load_workbook(o["path"])
        ws = wb["统计表"]
        names = wb.defined_names
        validated = set()
        for dv in ws.data_validations.dataValidation:
            for rng in dv.sqref.ranges:
                validated |= {
                    f"{openpyxl.utils.get_column_letter(c)}{r}"
                    for r in range(rng.min_row, rng.max_row + 1)
                    for c in range(rng.min_col, rng.max_col + 1)
                }
        for cell in inputs:
            ref = names[cell.name].attr_text.split("!")[1].replace("$", "")
            assert ref in validated, (o["path"], cell.key)
        count = ws.data_validations.dataValidation[0]
        kinds = {(dv.type, dv.operator, dv.formula1) for dv in ws.data_validations.dataValidation}
        assert ("whole", "greaterThanOrEqual", "0") in kinds  # -1 and 1.5 are refused
        assert count.showErrorMessage and count.errorStyle in (None, "stop")
        assert o["name"] in {c.value for row in ws.iter_rows() for c in row}


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is installed by .ci/run")
def test_libreoffice_opens_every_child_template(cli, tmp_path):
    out = tmp_path / "d"
    cli("template", "--unit", "泰安市", "--form", "mem-stats", "--children", "-o", str(out))
    files = sorted(out.glob("*.xlsx"))
    assert len(files) == 10
    conv = tmp_path / "pdf"
    r = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "pdf", "--outdir", str(conv), *map(str, files)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert len(list(conv.glob("*.pdf"))) == 10


def test_template_refuses_to_overwrite_a_filled_workbook(cli, tmp_path):
    args = ("template", "--unit", "泰山区", "--form", "samr-stats", "-o", str(tmp_path))
    assert cli(*args)[0] == 0
    path = next(tmp_path.glob("*.xlsx"))
    path.write_bytes(b"a county's filled workbook")
    rc, _, err = cli(*args)
    assert rc == 2 and "未覆盖" in err
    assert path.read_bytes() == b"a county's filled workbook"
    assert cli(*args, "--force")[0] == 0
    assert path.read_bytes() != b"a county's filled workbook"


def test_template_line_and_unit_errors(cli, tmp_path):
    rc, _, err = cli(
        "template",
        "--unit",
        "泰安市",
        "--form",
        "samr-stats",
        "--line",
        "mem",
        "-o",
        str(tmp_path),
    )
    assert rc == 2 and "市场监管" in err
    rc, _, err = cli("template", "--unit", "泰山区", "--form", "nope", "-o", str(tmp_path))
    assert rc == 2 and "未知的表格" in err
    rc, _, err = cli(
        "template",
        "--unit",
        "泰山区",
        "--form",
        "deploy",
        "--children",
        "-o",
        str(tmp_path),
    )
    assert rc == 2 and "没有下级" in err
    rc, _, _ = cli(
        "template", "--unit", "泰安市应急管理局", "--form", "deploy", "-o", str(tmp_path)
    )
    assert rc == 0 and [p.name for p in tmp_path.glob("*.xlsx")] == [
        "370900-deploy-mem-泰安市应急管理局.xlsx"
    ]


@pytest.mark.parametrize(
    ("form", "milestone"),
    [
        ("samr-stats", "midterm"),
        ("samr-stats", "final"),
        ("mem-stats", "midterm"),
        ("mem-stats", "final"),
        ("deploy", "deploy"),
    ],
)
@pytest.mark.parametrize("seed", [1, 2])
def test_samples_satisfy_every_rule(cli, tmp_path, form, milestone, seed):
    rc, _, _ = cli(
        "sample",
        "--unit",
        "济南市",
        "--form",
        form,
        "--milestone",
        milestone,
        "--seed",
        str(seed),
        "-o",
        str(tmp_path),
    )
    assert rc == 0
    rc, out, _ = cli(
        "validate", str(tmp_path), "--milestone", milestone, "--unit", "济南市", "--json"
    )
    report = json.loads(out)
    assert rc == 0, [i for f in report["files"] for i in f["issues"]]
    assert all(f["valid"] and not f["issues"] for f in report["files"])


def test_sample_is_reproducible_by_seed(cli, tmp_path):
    for d, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        cli(
            "sample",
            "--unit",
            "泰安市",
            "--form",
            "mem-stats",
            "--milestone",
            "final",
            "--seed",
            seed,
            "-o",
            str(tmp_path / d),
        )
    a, b, c = (sorted((tmp_path / d).iterdir()) for d in "abc")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert [p.read_bytes() for p in a] != [p.read_bytes() for p in c]


def test_help_is_in_chinese_for_every_command(cli):
    from reportkit.cli import COMMANDS

    for name in COMMANDS:
        rc, out, _ = cli(name, "--help")
        assert rc == 0 and "用法：" in out and "选项" in out, name
        assert "Show this message" not in out
