"""Write the editable Word templates of `reportkit report` to templates/docx/.

    python scripts/make_docx_template.py           # write templates/docx/<kind>.docx
    python scripts/make_docx_template.py --check   # exit 1 if a committed template is stale

The templates are built by reportkit.report.template (the same code `reportkit report` uses when
no --template is given), so they are reproducible; staff copy one, change the wording in Word or
WPS (text outside the {{ … }} and {%p … %} placeholders) and pass it with --template.
"""

from __future__ import annotations

import sys
from pathlib import Path

from reportkit.report.template import KINDS, build_template

TARGET = Path(__file__).resolve().parents[1] / "templates" / "docx"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    TARGET.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        path = TARGET / f"{kind}.docx"
        data = build_template(kind)
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
