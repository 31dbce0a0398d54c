"""The subordinates' narrative documents (.docx) to append to a report as attachments.

Rule, for every .docx in the inbox (a folder, searched recursively, or a .zip):

1. **Unit.** A six-digit code in the file name, else an office or region name in the file name
   (泰山区应急管理局-中期总结.docx, 中期总结（泰山区）.docx), else in the document's first
   five or last five non-empty paragraphs (title and 落款). Names are checked with
   ``campaign.resolve`` within the reporting unit; the longest name found wins (泰山景区 over
   泰山). The unit must be below the reporting unit; a county's document in a province's inbox
   is filed under its city.
2. **Line.** An office name (…应急管理局 / …市场监督管理局) decides the line; a document of the
   other line is left out; one that names no office, or both, is kept.
3. **Milestone.** Words in the file name and title say what it is: 中期 → midterm; 实施方案 or
   部署 → deploy; 总结 (without 中期) → final; 经验, 做法 or 案例 → "cases", which may be sent at
   any time and is kept for every milestone. A document for another milestone is left out; one
   that says none is kept (the inbox is the one for this milestone).
4. **Order.** By unit in the order of the campaign's unit list (code order), then summaries
   before experience before cases, then by file name. Identical files are kept once.

Hostile files are checked before any parser sees them (size, zip bombs, DTDs), as workbooks are.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reportkit.messages import msg
from reportkit.model.campaign import Campaign
from reportkit.model.registry import Region, normalize, short_forms
from reportkit.model.target import Target

KIND_ORDER = {"deploy": 0, "midterm": 1, "final": 1, "experience": 2, "cases": 3, None: 4}
MAX_DOCX_BYTES = 64 * 1024 * 1024
MAX_ZIP_MEMBERS = 5_000
PARAGRAPHS = 5


@dataclass
class Narrative:
    path: Path
    shown_as: str  # the name a user recognises (inside a .zip: archive/member)
    unit: Region  # the subordinate it is filed under (a child of the reporting unit)
    source: Region  # the unit that wrote it (may be below `unit`)
    line: str | None
    kind: str | None  # deploy | midterm | final | experience | cases | None
    title: str
    sha256: str


@dataclass
class Skipped:
    shown_as: str
    reason: str


def classify(text: str) -> str | None:
    """What a document is, from its file name and title."""
    if "中期" in text:
        return "midterm"
    if "实施方案" in text or "部署" in text:
        return "deploy"
    if "案例" in text:
        return "cases"
    if "经验" in text or "做法" in text:
        return "experience"
    if "总结" in text:
        return "final"
    return None


def _accepts(kind: str | None, milestone: str) -> bool:
    if kind in (None, "cases"):
        return True
    if kind == "experience":  # 先进经验做法 are due with the final report, and welcome any time
        return True
    return kind == milestone


@contextmanager
def docx_files(inbox: list[Path]) -> Iterator[list[tuple[Path, str]]]:
    """(path, name shown) of every .docx in the inbox; .zip archives are unpacked to a
    temporary folder (members by base name only, so '../' cannot escape it)."""
    with tempfile.TemporaryDirectory(prefix="reportkit-docx-") as tmp:
        out: list[tuple[Path, str]] = []
        for root in inbox:
            paths = sorted(root.rglob("*")) if root.is_dir() else [root]
            for p in paths:
                if not p.is_file() or p.name.startswith(("~$", ".~")):
                    continue
                if p.suffix.lower() == ".docx":
                    out.append((p, str(p)))
                elif p.suffix.lower() == ".zip" and zipfile.is_zipfile(p):
                    out += _unzip_docx(p, Path(tmp) / f"{len(out):04d}")
        yield out


def _unzip_docx(archive: Path, target: Path) -> list[tuple[Path, str]]:
    out = []
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()][:MAX_ZIP_MEMBERS]
            for n, info in enumerate(infos):
                name = _member_name(info)
                base = Path(name).name
                if Path(base).suffix.lower() != ".docx" or base.startswith(("~$", ".~")):
                    continue
                if info.file_size > MAX_DOCX_BYTES:
                    continue
                target.mkdir(parents=True, exist_ok=True)
                dest = target / f"{n:05d}-{base}"
                with zf.open(info) as src:
                    dest.write_bytes(src.read(MAX_DOCX_BYTES + 1)[:MAX_DOCX_BYTES])
                out.append((dest, f"{archive}/{name}"))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return out
    return out


def _member_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:
        return info.filename
    try:  # Windows zip tools write GBK names without the UTF-8 flag
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


MAX_ENTRIES = 2_000
MAX_UNPACKED = 256 * 1024 * 1024
MAX_RATIO = 200
HEAD = 64 * 1024
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)


def _check(data: bytes) -> str | None:
    """A reason not to open the file, or None: size, zip bombs, encryption and DTDs are
    checked from the zip directory and the head of each XML part, before python-docx runs."""
    import io

    if len(data) > MAX_DOCX_BYTES:
        return msg("file.too_big", detail=f"{len(data) // (1024 * 1024)} MB")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return msg("file.corrupt_zip")
    with zf:
        if "word/document.xml" not in {i.filename for i in infos}:
            return msg("report.doc_hostile", detail="没有 word/document.xml")
        if len(infos) > MAX_ENTRIES:
            return msg("report.doc_hostile", detail=f"{len(infos)} 个内部文件")
        total = 0
        for info in infos:
            total += info.file_size
            ratio = info.file_size / info.compress_size if info.compress_size else 0
            if total > MAX_UNPACKED or (ratio > MAX_RATIO and info.file_size > 1 << 20):
                return msg("report.doc_hostile", detail=f"{info.filename} 解压后过大")
            if info.flag_bits & 0x1:
                return msg("report.doc_unreadable", detail="文件已加密")
            if not info.filename.endswith((".xml", ".rels")):
                continue
            try:
                with zf.open(info) as f:
                    head = f.read(HEAD)
            except Exception:  # zipfile raises assorted errors on broken archives
                return msg("file.corrupt_zip")
            if _DTD.search(head):
                return msg("report.doc_hostile", detail=f"{info.filename} 含有 XML 实体声明")
    return None


def paragraphs(path: Path) -> list[str]:
    """The non-empty paragraphs of a checked .docx."""
    from docx import Document

    doc = Document(str(path))
    return [t for p in doc.paragraphs if (t := p.text.strip())]


def identify(
    campaign: Campaign, parent: Region, texts: list[str]
) -> tuple[Region | None, str | None]:
    """The unit below `parent` a document comes from, and its line, from its texts in order
    of trust (file name first); the longest name in the first text that has one wins."""
    below = campaign.registry.descendants(parent.code)
    codes = {r.code for r in below}
    names: dict[str, Region] = {}
    for r in below:
        for form in (normalize(r.name), *short_forms(r), *_zone_forms(campaign, r)):
            if len(form) >= 2:
                names.setdefault(form, r)
    for text in texts:
        flat = normalize(text)
        for code in re.findall(r"(?<!\d)(\d{6})(?!\d)", flat):
            if code in codes:
                return campaign.registry.get(code), _line(campaign, flat)
        hits = [n for n in names if n in flat]
        if not hits:
            continue
        best = max(hits, key=len)
        try:
            region, line = campaign.resolve(best, within=parent.code)
        except LookupError:
            region = names[best]
            line = None
        return region, line or _line(campaign, flat)
    return None, None


def _zone_forms(campaign: Campaign, r: Region) -> set[str]:
    """泰安高新技术产业开发区 is also 高新技术产业开发区 and 高新区 (as the registry reads it)."""
    if r.kind != "zone" or r.parent is None:
        return set()
    parent = campaign.registry.get(r.parent)
    name = normalize(r.name)
    forms = {
        name[len(p) :]
        for p in (normalize(parent.name), *short_forms(parent))
        if name.startswith(p) and len(name) - len(p) >= 3
    }
    return forms | {f.replace("高新技术产业开发区", "高新区") for f in (name, *forms)}


def _line(campaign: Campaign, text: str) -> str | None:
    found = set()
    for line in campaign.lines.values():
        words = {*line.agency.values(), *line.agency_municipality.values(), *line.aliases}
        if any(w in text for w in words if len(w) >= 3):
            found.add(line.id)
    return found.pop() if len(found) == 1 else None


def _title(texts: list[str], fallback: str) -> str:
    """The document's title: its first paragraph that reads like one, else the file name."""
    for t in texts[:3]:
        if 4 <= len(t) <= 60 and classify(t) is not None:
            return t
    return fallback


@contextmanager
def find_narratives(
    target: Target, inbox: list[Path]
) -> Iterator[tuple[list[Narrative], list[Skipped]]]:
    """The narrative documents to append, in order, and the ones left out (with why); the
    paths stay valid until the block ends (members of a .zip live in a temporary folder)."""
    campaign, parent, line, milestone = target.campaign, target.unit, target.line, target.milestone
    found: list[Narrative] = []
    skipped: list[Skipped] = []
    seen: dict[str, str] = {}
    children = {c.code: i for i, c in enumerate(campaign.children(parent))}
    with docx_files(inbox) as files:
        for path, shown in files:
            try:
                data = path.read_bytes()
            except OSError as e:
                skipped.append(Skipped(shown, msg("report.doc_unreadable", detail=e)))
                continue
            problem = _check(data)
            if problem:
                skipped.append(Skipped(shown, problem))
                continue
            sha = hashlib.sha256(data).hexdigest()
            if sha in seen:
                skipped.append(Skipped(shown, msg("report.doc_duplicate", other=seen[sha])))
                continue
            try:
                texts = paragraphs(path)
            except Exception as e:  # python-docx raises assorted errors on broken documents
                skipped.append(Skipped(shown, msg("report.doc_unreadable", detail=e)))
                continue
            stem = _stem(Path(shown).name)
            head = [*texts[:PARAGRAPHS], *texts[-PARAGRAPHS:]]
            source, doc_line = identify(campaign, parent, [Path(shown).stem, *head])
            if source is None:
                skipped.append(Skipped(shown, msg("report.doc_no_unit")))
                continue
            unit = _child_of(campaign, parent, source)
            if unit is None:
                skipped.append(
                    Skipped(
                        shown, msg("report.doc_not_below", unit=source.name, parent=parent.name)
                    )
                )
                continue
            if doc_line is not None and doc_line != line:
                reason = msg("report.doc_other_line", line=campaign.lines[doc_line].name)
                skipped.append(Skipped(shown, reason))
                continue
            kind = classify(stem) or classify(" ".join(texts[:2]))
            if not _accepts(kind, milestone):
                name = campaign.milestones[kind].name if kind in campaign.milestones else kind
                skipped.append(Skipped(shown, msg("report.doc_other_milestone", milestone=name)))
                continue
            seen[sha] = shown
            found.append(
                Narrative(path, shown, unit, source, doc_line, kind, _title(texts, stem), sha)
            )
        found.sort(
            key=lambda n: (
                children.get(n.unit.code, len(children)),
                n.source.code,
                KIND_ORDER.get(n.kind, 4),
                Path(n.shown_as).name,
            )
        )
        yield found, skipped


def _stem(name: str) -> str:
    stem = Path(name).stem
    return re.sub(r"^[\d\s_\-.]+(?=\D)", "", stem) or stem


def _child_of(campaign: Campaign, parent: Region, region: Region) -> Region | None:
    if region.parent == parent.code:
        return region
    for anc in campaign.registry.ancestors(region.code):
        if anc.parent == parent.code:
            return anc
    return None
