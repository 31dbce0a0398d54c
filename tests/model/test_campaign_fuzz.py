"""A campaign file with any mistake in it is reported, never an internal error: the shipped
campaigns' text mutated line by line (a line dropped, doubled, or a value made another type,
a reference renamed) is either a campaign or CampaignErrors naming file and key."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportkit.model.campaign import CampaignError, check_campaign, parse_campaign
from tests.wide import examples

CAMPAIGNS = resources.files("reportkit.campaigns")
SOURCES = {
    name: CAMPAIGNS.joinpath(f"{name}/campaign.toml").read_text("utf-8")
    for name in ("tzzy-2024", "ncsp-monitor")
}
# and a campaign of list forms (one row per item)
SOURCES["cases-register"] = (
    Path(__file__).parents[1] / "data" / "campaigns" / "cases-register" / "campaign.toml"
).read_text("utf-8")
VALUES = ['"x"', "0", "-1", "true", "[]", "{}", '["a", 1]', "2024-13-01", '"2099-01-01"', "1.5",
          '"national"', '"000000"', '"<="']  # fmt: skip


def _mutate(text: str, line: int, op: int, value: int) -> str:
    lines = text.splitlines()
    i = line % len(lines)
    target = lines[i]
    if op == 0:
        del lines[i]
    elif op == 1:
        lines.insert(i, target)
    elif op == 2 and "=" in target:
        key = target.split("=", 1)[0]
        lines[i] = f"{key}= {VALUES[value % len(VALUES)]}"
    elif op == 3:  # a quoted word (a reference, an id, a date) renamed
        words = list(re.finditer(r'"([^"]+)"', target))
        if words:
            m = words[value % len(words)]
            lines[i] = target[: m.start(1)] + m.group(1) + "z" + target[m.end(1) :]
    elif op == 4:  # a value inside an inline table replaced
        pairs = list(re.finditer(r"(\w+) = (\"[^\"]*\"|[\w.-]+|\[[^\]]*\])", target))
        if pairs:
            m = pairs[value % len(pairs)]
            lines[i] = target[: m.start(2)] + VALUES[value % len(VALUES)] + target[m.end(2) :]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", sorted(SOURCES))
@settings(
    max_examples=examples(60, wide=500), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    mutations=st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 4), st.integers(0, 100)),
        min_size=1,
        max_size=3,
    )
)
def test_a_mutated_campaign_is_a_campaign_or_located_errors(name, mutations, tmp_path_factory):
    text = SOURCES[name]
    for line, op, value in mutations:
        text = _mutate(text, line, op, value)
    try:
        parse_campaign(text, "campaign.toml")
    except CampaignError as e:
        assert e.file == "campaign.toml" and e.message and str(e)
    folder = tmp_path_factory.mktemp("c")
    (folder / "campaign.toml").write_text(text, "utf-8")
    errors = check_campaign(folder)
    assert all(isinstance(e, CampaignError) and e.message for e in errors)


def test_the_mutations_do_find_mistakes(tmp_path):
    """The search above is not vacuous: dropping the line of a form's `line` key is a located
    error, and renaming a milestone a form uses is one too."""
    text = SOURCES["ncsp-monitor"]
    i = text.splitlines().index('line = "samr"')
    errors = check_campaign(_write(tmp_path / "a", _mutate(text, i, 0, 0)))
    assert [e.key for e in errors] == ["forms.monitor.line"]
    j = text.splitlines().index('milestones = ["aug", "dec"]')
    errors = check_campaign(_write(tmp_path / "b", _mutate(text, j, 3, 0)))
    assert (
        errors and errors[0].key.startswith("forms.monitor.milestones") and errors[0].line == j + 1
    )


def _write(folder: Path, text: str) -> Path:
    folder.mkdir()
    (folder / "campaign.toml").write_text(text, "utf-8")
    return folder
