"""The issue registry: what each problem is (its severity) is decided once, in reportkit.issues."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from reportkit.issues import ERROR, SEVERITY, SITUATIONAL, WARNING, Issue
from reportkit.messages import MESSAGES

PACKAGE = Path(__file__).resolve().parents[1] / "reportkit"
# the ways the package makes an issue from a code written out
MADE = re.compile(
    r"""(?:Issue\.of\(|\b_note\([^,()]+,\s*|\bissue\(|_issue\(\s*sub,\s*|\badd\(|_error\(|"""
    r"""severity_of\()\s*"([a-z_]+\.[a-z_.]+)\"""",
    re.S,
)


def test_every_code_made_is_registered_and_every_registered_code_has_a_message():
    code = "\n".join(p.read_text("utf-8") for p in PACKAGE.rglob("*.py"))
    made = set(MADE.findall(code))
    assert len(made) >= 60  # the scan finds the call sites (it is not looking at nothing)
    assert not made - set(SEVERITY), f"made but not registered: {sorted(made - set(SEVERITY))}"
    assert not [c for c in SEVERITY if c not in MESSAGES], "a registered code without a message"


def test_a_call_site_cannot_choose_another_severity_for_a_fixed_code():
    assert Issue.of("file.empty", "…").severity == ERROR
    with pytest.raises(ValueError):
        Issue.of("file.empty", "…", WARNING)
    # where the finder decides: a value in a derived cell is only a warning
    assert "value.not_number" in SITUATIONAL
    assert Issue.of("value.not_number", "…", WARNING).severity == WARNING


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs (POSIX)")
def test_a_pipe_in_the_inbox_is_the_same_problem_for_validate_and_rollup(tmp_path, cli):
    """It was an error for validate and a warning for rollup; the registry says error."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    os.mkfifo(inbox / "管道")
    (inbox / "a.zip").symlink_to(inbox / "管道")  # a folder's walk lists only what may be one
    _, out, _ = cli("validate", str(inbox / "管道"), "--json")
    [checked] = json.loads(out)["files"]
    by_validate = {i["code"]: i["severity"] for i in checked["issues"]}
    _, out, _ = cli("rollup", str(inbox), "--unit", "泰安市", "--form", "附件2",
                    "--milestone", "终期", "-o", str(tmp_path / "out"),
                    "--ledger", str(tmp_path / "l.sqlite"), "--json")  # fmt: skip
    by_rollup = {i["code"]: i["severity"] for i in json.loads(out)["inbox_issues"]}
    assert by_validate["file.not_regular"] == by_rollup["file.not_regular"] == ERROR
