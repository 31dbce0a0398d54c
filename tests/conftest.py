"""Shared fixtures: the packaged 2024 campaign and a county for workbooks."""

from __future__ import annotations

import pytest

from reportkit.model.campaign import default_campaign


@pytest.fixture(scope="session")
def campaign():
    return default_campaign()


@pytest.fixture(scope="session")
def taishan(campaign):
    """泰山区 (370902), a county of 泰安市."""
    return campaign.unit("泰山区")
