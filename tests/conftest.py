"""Shared fixtures: the packaged 2024 campaign and a county for workbooks; Hypothesis profiles;
and, at the end of a run, the README guarantees whose tests could not run on this machine."""

from __future__ import annotations

import pytest
from hypothesis import settings

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
