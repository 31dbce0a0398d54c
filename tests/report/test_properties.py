"""The report's document properties: one of each, in the core-properties namespace (Word
refuses a file with two lastModifiedBy), the agency as author."""

from __future__ import annotations

import zipfile

from lxml import etree

CORE = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
DC = "http://purl.org/dc/elements/1.1/"


def test_each_property_is_written_once_in_its_own_namespace(mem_final_docx):
    with zipfile.ZipFile(mem_final_docx) as zf:
        root = etree.fromstring(zf.read("docProps/core.xml"))
    tags = [el.tag for el in root]
    assert len(tags) == len(set(tags))
    assert not [t for t in tags if t.endswith("}lastModifiedBy") and not t.startswith("{" + CORE)]
    assert root.findtext(f"{{{DC}}}creator") == "泰安市应急管理局"
    assert root.findtext(f"{{{CORE}}}lastModifiedBy") == "reportkit"
