"""What readers work out once per form follows the form object, never its id alone."""

from __future__ import annotations

import dataclasses

from reportkit.io.intake import _header_keys
from reportkit.io.reader import _layout_plan
from reportkit.io.workbook import _layout, layout


def test_a_form_of_the_same_id_in_another_campaign_gets_its_own(campaign):
    form = campaign.forms["samr-stats"]
    other = dataclasses.replace(form, fields=form.fields[:1])  # same id, one field less
    short = dataclasses.replace(form, header=form.header[:1])  # same id, one header less
    assert _header_keys(form) == {h.id for h in form.header} | {"milestone"}
    assert _header_keys(short) == {form.header[0].id, "milestone"} != _header_keys(form)
    assert layout(campaign, form) is layout(campaign, form)  # computed once
    # what the cache hands out is what computing afresh gives, for each of the two forms
    fresh = _layout.__wrapped__
    assert layout(campaign, form) == fresh(form)
    assert layout(campaign, other) == fresh(other) != fresh(form)
    assert set(layout(campaign, other).cells) == {c.key for c in other.cells}
    assert "exposed_cases" in layout(campaign, form).cells
    assert len(_layout_plan(campaign, other)[2]) == len(_layout_plan(campaign, form)[2]) - 1
