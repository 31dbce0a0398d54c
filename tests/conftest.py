"""Shared fixtures: the packaged 2024 campaign and a county for workbooks; `cli`, the command
line run in this process; Hypothesis profiles; and, at the end of a run, the README guarantees
whose tests could not run on this machine."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
from hypothesis import settings

from reportkit.cli import main
from reportkit.model.campaign import default_campaign

# With CI=true Hypothesis loads its "ci" profile (fixed examples: a run is reproducible).
# `--hypothesis-profile=explore` searches far wider; the full benchmark run uses it.
settings.register_profile("explore", max_examples=2000, deadline=None, derandomize=False)


@pytest.fixture(scope="session")
def campaign():
    return default_campaign()


@pytest.fixture(scope="session")
def taishan(campaign):
    """泰山区 (370902), a county of 泰安市."""
    return campaign.unit("泰山区")


class CliResult(NamedTuple):
    """What one `reportkit …` run did: its exit code and what it printed."""

    code: int | None
    out: str
    err: str

    def json(self, **kwargs: Any) -> Any:
        """Its standard output parsed as JSON (keyword arguments go to json.loads)."""
        return json.loads(self.out, **kwargs)


def run_cli(*args: str) -> CliResult:
    """`reportkit ARGS` through reportkit.cli.main, which always exits (that it does is checked).

    What it prints is captured here rather than by capsys, so session and module fixtures can
    run it too; a test's own capsys sees none of it."""
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        pytest.raises(SystemExit) as e,
    ):
        main(list(args))
    return CliResult(e.value.code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def cli() -> Callable[..., CliResult]:
    """`code, out, err = cli("campaign", "--unit", "泰安市")`, or `cli(…).json()`."""
    return run_cli


# --- guarantees not tested ---------------------------------------------------------------------

_UNTESTED: list[tuple[str, str, str]] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "guarantee(text): the README guarantee this test holds (named if it skips)"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    outcome = yield
    mark = item.get_closest_marker("guarantee")
    if mark is not None and mark.args:
        # carried on the report: under pytest-xdist the summary is written by the controller
        outcome.get_result().user_properties.append(("guarantee", str(mark.args[0])))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    text = dict(report.user_properties).get("guarantee")
    if report.skipped and text:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _UNTESTED.append((str(text), report.nodeid, reason.removeprefix("Skipped: ")))


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if not _UNTESTED:
        return
    terminalreporter.write_sep("=", "guarantees NOT tested on this machine (README table)")
    for text, nodeid, reason in sorted(set(_UNTESTED)):
        terminalreporter.write_line(f"- {text}: {nodeid} skipped ({reason})")
