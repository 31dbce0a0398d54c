"""Open a workbook in a real LibreOffice, edit cells as a clerk would, save it in a format.

Run with the system Python that has LibreOffice's UNO bindings (Debian: python3-uno):

    /usr/bin/python3 tests/office/lo_edit.py JOB.json

JOB.json: {"profile": DIR, "jobs": [{"input": PATH, "output": PATH, "filter": NAME,
"edits": [{"sheet": NAME, "cell": "B9", "value": 5 | "text" | {"formula": "=1+2"}}],
"unprotect": true}]}. One LibreOffice is started for all the jobs (headless, a private
profile), so the tests never touch a user's settings. Filters: "MS Excel 97" (.xls),
"calc8" (.ods), "Calc MS Excel 2007 XML" (.xlsx).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import uuid


@contextlib.contextmanager
def libreoffice(profile: str):  # type: ignore[no-untyped-def]
    """One headless LibreOffice with the private profile `profile`, for as long as the block
    runs: yields its desktop and `prop(name, value)`, a PropertyValue maker. Raises
    RuntimeError when it does not start. Used by the other scripts here too."""
    import uno
    from com.sun.star.beans import PropertyValue
    from com.sun.star.connection import NoConnectException

    def prop(name, value):  # type: ignore[no-untyped-def]
        p = PropertyValue()
        p.Name, p.Value = name, value
        return p

    pipe = "rk" + uuid.uuid4().hex[:12]
    soffice = shutil.which("soffice") or "soffice"
    proc = subprocess.Popen(
        [soffice, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
         f"-env:UserInstallation={uno.systemPathToFileUrl(os.path.abspath(profile))}",
         f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    desktop = None
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        ctx = None
        for _ in range(600):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except NoConnectException:
                time.sleep(0.2)
        if ctx is None:
            raise RuntimeError("LibreOffice did not start")
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        yield desktop, prop
    finally:
        with contextlib.suppress(Exception):  # LibreOffice may already be gone
            if desktop is not None:
                desktop.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def main(job_file: str) -> int:
    import uno

    with open(job_file, encoding="utf-8") as f:
        spec = json.load(f)
    try:
        with libreoffice(spec["profile"]) as (desktop, prop):
            for job in spec["jobs"]:
                url = uno.systemPathToFileUrl(os.path.abspath(job["input"]))
                doc = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
                try:
                    for edit in job.get("edits", []):
                        sheet = doc.Sheets.getByName(edit["sheet"])
                        if job.get("unprotect") and sheet.isProtected():
                            sheet.unprotect("")
                        cell = sheet.getCellRangeByName(edit["cell"])
                        value = edit["value"]
                        if isinstance(value, dict):
                            cell.setFormula(value["formula"])
                        elif isinstance(value, (int, float)) and not isinstance(value, bool):
                            cell.setValue(value)
                        else:
                            cell.setString(str(value))
                    out = uno.systemPathToFileUrl(os.path.abspath(job["output"]))
                    doc.storeToURL(
                        out, (prop("FilterName", job["filter"]), prop("Overwrite", True))
                    )
                finally:
                    doc.close(True)
    except RuntimeError as e:
        print(e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
