"""Write the editable Word templates of `reportkit report` to templates/docx/, and the
fontconfig file that maps their fonts to open ones to templates/fontconfig/.

    python scripts/make_docx_template.py           # write templates/docx/<kind>.docx …
    python scripts/make_docx_template.py --check   # exit 1 if a committed file is stale

The templates are built by reportkit.report.template (the same code `reportkit report` uses when
no --template is given), so they are reproducible; staff copy one, change the wording in Word or
WPS (text outside the {{ … }} and {%p … %} placeholders) and pass it with --template.
"""

from __future__ import annotations

import sys
from pathlib import Path

from reportkit.model.campaign import default_campaign
from reportkit.report.fonts import fontconfig_aliases
from reportkit.report.template import report_forms, template_for

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "templates" / "docx"
FONTCONFIG = ROOT / "templates" / "fontconfig" / "65-reportkit-gbt9704.conf"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    TARGET.mkdir(parents=True, exist_ok=True)
    FONTCONFIG.parent.mkdir(parents=True, exist_ok=True)
    campaign = default_campaign()
    outputs = [
        (TARGET / f"{kind}.docx", lambda kind=kind: template_for(campaign, kind))
        for kind in report_forms(campaign)
    ]
    outputs.append((FONTCONFIG, lambda: fontconfig_aliases().encode("utf-8")))
    for path, build in outputs:
        data = build()
        if path.exists() and path.read_bytes() == data:
            continue
        if check:
            stale.append(path.name)
            continue
        path.write_bytes(data)
        print(f"wrote {path}")
    if stale:
        print("stale: " + ", ".join(stale) + " (run python scripts/make_docx_template.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
