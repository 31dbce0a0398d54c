"""Write tests/data/hostile/: one broken or malicious file per case the readers must survive.

Run from the repository root: `python tests/data/make_hostile.py`. The files are committed, so
the tests do not depend on this script's tools (msoffcrypto-tool is needed only to regenerate
the encrypted workbook).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent / "hostile"


def base_xlsx(cells: dict[str, object] | None = None, sheet_title: str = "Sheet1") -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet_title
    ws["A1"] = "工作情况统计表(市场监管)"
    for ref, v in (cells or {"A2": 1}).items():
        ws[ref] = v
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rewrite(data: bytes, replace: dict[str, bytes], extra: list[tuple[str, bytes]] = ()) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info.filename, replace.get(info.filename, src.read(info)))
        for name, body in extra:
            out.writestr(name, body)
    return buf.getvalue()


def sheet_xml(body: bytes, dimension: bytes = b"A1") -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="' + dimension + b'"/><sheetData>' + body + b"</sheetData></worksheet>"
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    good = base_xlsx()
    files: dict[str, bytes] = {}
    files["empty.xlsx"] = b""
    files["truncated.xlsx"] = good[: len(good) // 2]
    files["html-saved-as.xls"] = (
        "<html><head><meta charset='utf-8'></head><body><table><tr><td>案件类型</td>"
        "<td>案件数量(件)</td></tr></table></body></html>"
    ).encode()
    files["csv-saved-as.xls"] = "案件类型,案件数量(件),罚没款(万元)\n虚假宣传案件,3,1.5\n".encode()
    files["xml2003-saved-as.xls"] = (
        '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="Sheet1">'
        '<Table><Row><Cell><Data ss:Type="String">案件类型</Data></Cell></Row></Table>'
        "</Worksheet></Workbook>\n"
    ).encode()
    files["~$泰山区报表.xlsx"] = (
        b"\x06zhangsan" + b"\x00" * 50 + b"\x06\x00z\x00h\x00a\x00n\x00g" + b"\x00" * 90
    )
    files["word-renamed.xlsx"] = word_docx()
    files["entity-expansion.xlsx"] = rewrite(
        good,
        {
            "xl/worksheets/sheet1.xml": b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            + sheet_xml(b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>')[39:]
        },
    )
    files["external-entity.xlsx"] = rewrite(
        good,
        {
            "xl/workbook.xml": b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<sheets><sheet name="&x;" sheetId="1"/></sheets></workbook>'
        },
    )
    files["zip-bomb.xlsx"] = zip_bomb(good)
    files["lying-size.xlsx"] = lying_size(good)
    files["million-strings.xlsx"] = million_strings(good)
    files["far-cell.xlsx"] = base_xlsx({"A2": 1, "XFD1048576": 2})
    files["false-dimension.xlsx"] = rewrite(
        good,
        {
            "xl/worksheets/sheet1.xml": sheet_xml(
                b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>', b"A1:XFD1048576"
            )
        },
    )
    files["duplicate-entries.xlsx"] = duplicate_entries(good)
    files["encrypted.xlsx"] = encrypted(good)
    for name, data in files.items():
        (OUT / name).write_bytes(data)
    print(f"wrote {len(files)} files to {OUT}")


def word_docx() -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph("工作情况统计表(市场监管)")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def zip_bomb(good: bytes) -> bytes:
    # One worksheet part that inflates to 1 GiB of spaces (~1 MB compressed).
    src = zipfile.ZipFile(io.BytesIO(good))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for info in src.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with out.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
                    f.write(sheet_xml(b"")[:200])
                    block = b" " * (1 << 20)
                    for _ in range(1024):
                        f.write(block)
            else:
                out.writestr(info.filename, src.read(info))
    return buf.getvalue()


def lying_size(good: bytes) -> bytes:
    # The central directory and local header claim the sheet is 100 bytes; it is much longer.
    data = bytearray(rewrite(good, {}))
    zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = zf.getinfo("xl/worksheets/sheet1.xml")
    real = info.file_size.to_bytes(4, "little")
    fake = (100).to_bytes(4, "little")
    # local header: uncompressed size at offset 22; central directory entry: offset 24
    lh = info.header_offset
    assert data[lh + 22 : lh + 26] == real
    data[lh + 22 : lh + 26] = fake
    cd = data.find(b"PK\x01\x02")
    while cd != -1:
        name_len = int.from_bytes(data[cd + 28 : cd + 30], "little")
        if data[cd + 46 : cd + 46 + name_len] == b"xl/worksheets/sheet1.xml":
            data[cd + 24 : cd + 28] = fake
            break
        cd = data.find(b"PK\x01\x02", cd + 4)
    return bytes(data)


def million_strings(good: bytes) -> bytes:
    n = 2_000_000
    sst = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main" count="%d" uniqueCount="%d">'
        % (n, n)
        + b"<si><t>a</t></si>" * n
        + b"</sst>"
    )
    data = rewrite(good, {"xl/sharedStrings.xml": sst})
    if (
        b"xl/sharedStrings.xml"
        not in zipfile.ZipFile(io.BytesIO(good)).namelist().__repr__().encode()
    ):
        data = rewrite(good, {}, [("xl/sharedStrings.xml", sst)])
    return data


def duplicate_entries(good: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(good))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info.filename, src.read(info))
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.writestr(
                "xl/worksheets/sheet1.xml",
                sheet_xml(b'<row r="1"><c r="A1"><v>999</v></c></row>'),
            )
    return buf.getvalue()


def encrypted(good: bytes) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(good)).encrypt("1234", out)
    return out.getvalue()


if __name__ == "__main__":
    main()
