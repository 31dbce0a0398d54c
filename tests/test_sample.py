"""Demo figures drawn as a campaign folder's sample.toml says."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from reportkit.rules.validate import check_values
from reportkit.sample import sample_values


@pytest.fixture
def taishan(campaign):
    return campaign.unit("370902")


def test_the_packaged_figures_keep_the_campaigns_rules(campaign, taishan):
    """Every county's drawn figures pass the validator for both tables and both milestones."""
    from reportkit.model.submission import RawCell

    for code in ("370902", "370911", "110101", "440305"):
        unit = campaign.unit(code)
        for form_id, line in (("mem-stats", "mem"), ("samr-stats", "samr")):
            form = campaign.forms[form_id]
            for ms in form.milestones:
                values = sample_values(campaign, form, unit, line, ms, seed=5)
                raw = {k: RawCell(v) for k, v in values.items()}
                _, issues = check_values(campaign, form, ms, raw)
                assert not [i for i in issues if i.severity == "error"], (code, form_id, ms)


def test_a_form_is_drawn_as_its_spec_says(campaign, taishan):
    spec = {
        "constants": {"final": {"scale": 3}},
        "rows": {"false_publicity": {"top": 4}, "illegal_ads": {"top": 0}, "other": {"top": 2}},
        "cells": [
            {"id": "cases", "value": "randint(top, top * scale)"},
            {"id": "fines", "value": "money(cases)"},
            {"id": "to_police", "value": "cases // 2", "unless_zero": "cases"},
        ],
        "fields": [{"id": "joint_enforcement", "value": "7 * scale"}],
    }
    other = dataclasses.replace(campaign, samples={"forms": {"samr-stats": spec}})
    form = campaign.forms["samr-stats"]
    got = sample_values(other, form, taishan, "samr", "final", seed=1)
    assert 4 <= got["false_publicity.cases"] <= 12 and 2 <= got["other.cases"] <= 6
    assert got["illegal_ads.cases"] == 0 and got["illegal_ads.fines"] == Decimal(0)
    assert got["false_publicity.to_police"] == got["false_publicity.cases"] // 2
    assert isinstance(got["other.fines"], Decimal) and 0 < got["other.fines"] <= got["other.cases"]
    assert got["joint_enforcement"] == 21
    assert "exposed_cases" not in got  # the spec draws no value for it
    # the same seed, the same figures; another seed, another draw
    assert sample_values(other, form, taishan, "samr", "final", seed=1) == got
    draws = {
        sample_values(other, form, taishan, "samr", "final", seed=s)["false_publicity.cases"]
        for s in range(20)
    }
    assert len(draws) > 1


def test_a_text_and_a_date_are_filled_from_the_unit(campaign, taishan):
    spec = {
        "line_words": {"mem": "应急"},
        "fields": [
            {"id": "plan_name", "text": "{agency}方案"},
            {"id": "doc_number", "text": "{short}{line_word}发〔{year}〕{2 * 3}号"},
            {"id": "issued_on", "days_before": "10", "milestone": "deploy"},
            {"id": "email", "text": "{line}{code}@example.cn"},
        ],
    }
    other = dataclasses.replace(campaign, samples={"forms": {"deploy": spec}})
    got = sample_values(other, campaign.forms["deploy"], taishan, "mem", "deploy")
    assert got["plan_name"] == "泰山区应急管理局方案"
    assert got["doc_number"] == "泰山应急发〔2024〕6号"
    due = campaign.deadline("deploy", taishan).date
    assert got["issued_on"] == due - dt.timedelta(days=10)
    assert got["email"] == "mem370902@example.cn"


def test_a_form_without_a_spec_gets_every_required_cell_by_its_type(campaign, taishan):
    other = dataclasses.replace(campaign, samples={})
    form = campaign.forms["mem-stats"]
    got = sample_values(other, form, taishan, "mem", "final")
    required = {c.key for c in form.required("final")}
    assert set(got) == required
    for key, value in got.items():
        kind = form.cell(key).field.type
        if kind == "count":
            assert isinstance(value, int) and value >= 0, key
        else:
            assert kind == "money" and isinstance(value, Decimal) and value >= 0, key


def test_a_form_without_a_spec_gets_figures_its_rules_accept(campaign):
    from reportkit.model.submission import RawCell

    other = dataclasses.replace(campaign, samples={})
    form = campaign.forms["mem-stats"]
    for unit in campaign.children(campaign.unit("泰安市")):
        got = sample_values(other, form, unit, "mem", "final")
        raw = {k: RawCell(float(v) if isinstance(v, Decimal) else v) for k, v in got.items()}
        _, issues = check_values(other, form, "final", raw)
        broken = [i.message for i in issues if i.code == "rule.violated"]
        assert broken == [], (unit.name, broken)


def test_figures_drawn_without_a_spec_hold_the_rules_without_zeroing_a_unit():
    """Repairs grow the side that must be larger (抽样批次 for 合格 + 不合格), so no unit's
    figures collapse to zeros (which left its rates out of the roll-up)."""
    from importlib import resources

    from reportkit.model.campaign import load_campaign
    from reportkit.model.submission import RawCell

    folder = resources.files("reportkit.campaigns").joinpath("ncsp-monitor")
    campaign = load_campaign(str(folder))
    form = campaign.forms["monitor"]
    for milestone in ("aug", "dec"):
        for unit in campaign.children(campaign.top):
            got = sample_values(campaign, form, unit, "samr", milestone)
            assert any(v for v in got.values()), (unit.name, milestone)
            raw = {k: RawCell(float(v) if isinstance(v, Decimal) else v) for k, v in got.items()}
            _, issues = check_values(campaign, form, milestone, raw)
            assert [i.message for i in issues if i.code == "rule.violated"] == [], unit.name


def test_campaign_check_reads_sample_toml_as_sample_does(tmp_path):
    import shutil
    from importlib import resources

    from reportkit.model.campaign import check_campaign

    shipped = Path(str(resources.files("reportkit.campaigns").joinpath("tzzy-2024")))
    folder = tmp_path / "c"
    shutil.copytree(shipped, folder)
    text = (folder / "sample.toml").read_text("utf-8")
    text = text.replace("[forms.samr-stats]", "[forms.samr-stat]", 1)
    text = text.replace('value = "randint(2, high)"', 'value = "randint(2, high"', 1)
    (folder / "sample.toml").write_text(text, "utf-8")
    got = {(e.key, e.file.endswith("sample.toml")) for e in check_campaign(folder)}
    assert got == {("forms.samr-stat", True), ("forms.mem-stats.cells[0].value", True)}
