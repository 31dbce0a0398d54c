"""Fill a list form in a real LibreOffice as a clerk does: insert or delete rows of the list,
type into cells, recalculate, save in several formats, and say what the sheet shows.

Run with the system Python that has LibreOffice's UNO bindings (Debian: python3-uno):

    /usr/bin/python3 tests/office/lo_list_edit.py JOB.json

JOB.json: {"profile": DIR, "jobs": [{"input": PATH, "sheet": NAME, "steps": [STEP, ...],
"saves": [{"output": PATH, "filter": NAME}], "report": PATH}]}. Steps, run in order on the
sheet `sheet` (rows are 1-based, as a clerk sees them):

- {"insert_rows": ROW, "count": N}: N empty rows inserted above row ROW (Insert ▸ Rows Above)
- {"delete_rows": ROW, "count": N}: rows ROW .. ROW+N-1 deleted
- {"cell": "C9", "value": 5 | "text"}: a number (setValue) or a text (setString)
- {"cell": "E9", "typed": "2026-03-05"}: what a clerk types, recognised as LibreOffice does
  when typing (a date, a number), through setFormula
- {"unprotect": ""}: the sheet unprotected with this password

A step LibreOffice refuses (a protected sheet) is not fatal: it is reported. Before the saves
the document is recalculated. `report` (optional) is written as JSON: {"protected_before":
bool, "protected": bool, "errors": [[step index, message], ...], "cells": {A1: {"string",
"value", "formula", "type"}}} with the cells listed in the job's "read" (after the steps and
the recalculation). One LibreOffice is started
for all the jobs (headless, a private profile), so the tests never touch a user's settings.
Filters: "MS Excel 97" (.xls), "calc8" (.ods), "Calc MS Excel 2007 XML" (.xlsx).
"""

from __future__ import annotations

import json
import os
import sys

from lo_edit import libreoffice  # this folder is the script's: on sys.path


def main(job_file: str) -> int:
    import uno

    with open(job_file, encoding="utf-8") as f:
        spec = json.load(f)
    try:
        with libreoffice(spec["profile"]) as (desktop, prop):
            for job in spec["jobs"]:
                _run(desktop, prop, job, uno)
    except RuntimeError as e:
        print(e, file=sys.stderr)
        return 2
    return 0


def _run(desktop, prop, job: dict, uno) -> None:  # type: ignore[no-untyped-def]
    url = uno.systemPathToFileUrl(os.path.abspath(job["input"]))
    doc = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
    try:
        sheet = doc.Sheets.getByName(job["sheet"])
        report: dict = {"protected_before": bool(sheet.isProtected()), "errors": []}
        for i, step in enumerate(job.get("steps", [])):
            try:
                _step(sheet, step)
            except Exception as e:  # a refusal is reported, the test decides
                report["errors"].append([i, f"{type(e).__name__}: {e}"])
        doc.calculateAll()
        report["protected"] = bool(sheet.isProtected())
        report["cells"] = {}
        for ref in job.get("read", []):
            cell = sheet.getCellRangeByName(ref)
            report["cells"][ref] = {
                "string": cell.getString(),
                "value": cell.getValue(),
                "formula": cell.getFormula(),
                "type": cell.getType().value,
            }
        for save in job.get("saves", []):
            out = uno.systemPathToFileUrl(os.path.abspath(save["output"]))
            doc.storeToURL(out, (prop("FilterName", save["filter"]), prop("Overwrite", True)))
        if job.get("report"):
            with open(job["report"], "w", encoding="utf-8") as f:
                json.dump(report, f, ensure_ascii=False)
    finally:
        doc.close(True)


def _step(sheet, step: dict) -> None:  # type: ignore[no-untyped-def]
    if "unprotect" in step:
        sheet.unprotect(step["unprotect"])
    elif "insert_rows" in step:
        sheet.getRows().insertByIndex(step["insert_rows"] - 1, step.get("count", 1))
    elif "delete_rows" in step:
        sheet.getRows().removeByIndex(step["delete_rows"] - 1, step.get("count", 1))
    elif "typed" in step:
        sheet.getCellRangeByName(step["cell"]).setFormula(step["typed"])
    else:
        cell = sheet.getCellRangeByName(step["cell"])
        value = step["value"]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            cell.setValue(value)
        else:
            cell.setString(str(value))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
