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
3. **Milestone.** Words in the file name and title say what it is, as the campaign folder's
   report.toml lists them (for 2024: 中期 → midterm; 实施方案 or 部署 → deploy; 案例 → cases;
   经验 or 做法 → experience; 总结 → final). A document for another milestone is left out; a
   kind kept any time (cases, experience) and one that says none are kept (the inbox is the
   one for this milestone).
4. **Order.** By unit in the order of the campaign's unit list (code order), then by the
   kinds' rank in report.toml (for 2024: plans, summaries, experience, cases), then by file
   name. Identical files are kept once.

The inbox is listed, and its .zip archives expanded, by the roll-up's own walker and expander
(`io.intake`, `io.archive`): the same rule on links out of a folder, the same GBK names and the
same limits on archive members. Each document is then read in an isolated worker process with
the workbooks' memory cap and time limit, and checked before python-docx sees it by the
workbooks' sniffer (size, zip bombs, lying sizes, DTDs): a document that hangs or crashes the
parser is left out with a reason, and the others are read as usual.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from reportkit.io.intake import FILE_TIMEOUT, MAX_READ
from reportkit.io.sniff import Sniffed
from reportkit.messages import describe_oserror, msg
from reportkit.model.campaign import Campaign
from reportkit.model.registry import Region, normalize, short_forms
from reportkit.model.target import Target
from reportkit.report.spec import report_spec

PARAGRAPHS = 5
MAX_PARAGRAPH = 2_000  # characters of a paragraph looked at: titles and 落款 are short
TIMEOUT = FILE_TIMEOUT  # seconds to read one document, as for a workbook


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


def classify(campaign: Campaign, text: str) -> str | None:
    """What a document is, from its file name and title (the campaign's report.toml says by
    which words)."""
    return report_spec(campaign).classify(text)


# --- listing the inbox (as the roll-up does) ----------------------------------------------------


def _word_files(
    inbox: list[Path], scratch: Path, tz: str
) -> tuple[list[tuple[str, str]], list[Skipped]]:
    """Every .docx of the inbox, listed by the roll-up's walker (links out of a folder are not
    followed, lock files are left out) and the members of its .zip archives extracted into
    `scratch` by the roll-up's expander (GBK names, unsafe names, bombs, caps): (path, name
    shown), and the archive members that could not be extracted, with why."""
    from reportkit.io.intake import WORD_FILES, collect_names, expand
    from reportkit.io.sniff import suffix_of
    from reportkit.issues import ERROR

    names, _ = collect_names(inbox, WORD_FILES)  # the notes: lock files, other documents
    files, notes = expand(names, scratch, tz, WORD_FILES)
    skipped = [
        Skipped(i.file or n.file, i.message) for n in notes for i in n.issues if i.severity == ERROR
    ]
    # a file named .zip that is no archive, or a file named itself that is no .docx: not ours
    return [(p, s) for p, s in files if suffix_of(p).lower() in WORD_FILES], skipped


# --- reading one document (runs in an isolated worker) ------------------------------------------


@dataclass
class _Read:
    """What a worker read of one document: its hash and its first and last paragraphs, or
    why it was not read."""

    sha256: str = ""
    first: list[str] = field(default_factory=list)
    last: list[str] = field(default_factory=list)
    problem: str | None = None


def paragraphs(source: Path | bytes) -> list[str]:
    """The non-empty paragraphs of a checked .docx (its path, or its bytes)."""
    from docx import Document

    doc = Document(io.BytesIO(source) if isinstance(source, bytes) else str(source))
    return [t for p in doc.paragraphs if (t := p.text.strip())]


def _refusal(v: Sniffed) -> str | None:
    """Why a document the sniffer judged must not be opened, or None."""
    code, detail = v.problem, v.detail
    if code == "file.too_big":
        return msg(code, detail=detail)
    if code in ("file.empty", "file.corrupt_zip"):
        return msg(code)
    if code == "file.encrypted" or v.kind == "encrypted":
        return msg("report.doc_unreadable", detail=msg("report.doc_encrypted"))
    if v.kind == "zip":
        return msg("report.doc_hostile", detail=msg("report.doc_no_body"))
    if v.kind != "docx":
        return msg("report.doc_not_docx")
    if code is None:
        return None
    from reportkit.io.tables import document_words

    part = document_words(code, detail) or detail or code
    return msg("report.doc_hostile", detail=part)


def _read(_state: object, task: str) -> _Read:
    """Read, check, hash and parse one document; never raises for what is in it."""
    from reportkit.io.files import NotRegular, read_capped
    from reportkit.io.sniff import sniff_docx

    try:
        data, st = read_capped(task, MAX_READ)
    except NotRegular:
        return _Read(problem=msg("file.not_regular"))
    except OSError as e:
        return _Read(problem=msg("report.doc_unreadable", detail=describe_oserror(e, False)))
    if data is None:
        return _Read(problem=msg("file.too_big", detail=f"{st.st_size // (1 << 20)} MB"))
    problem = _refusal(sniff_docx(data))  # size, zip bombs, DTDs: before python-docx runs
    if problem:
        return _Read(problem=problem)
    sha = hashlib.sha256(data).hexdigest()
    try:
        texts = [t[:MAX_PARAGRAPH] for t in paragraphs(data)]
    except MemoryError:
        return _Read(problem=msg("report.doc_crashed"))
    except Exception as e:  # python-docx raises assorted errors on broken documents
        return _Read(problem=msg("report.doc_unreadable", detail=e))
    except BaseException as e:
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        return _Read(problem=msg("report.doc_crashed"))
    return _Read(sha, texts[:PARAGRAPHS], texts[-PARAGRAPHS:])


def _nothing() -> None:
    return None


def _lost(task: str, what: str, seconds: int) -> _Read:
    if what == "timeout":
        return _Read(problem=msg("report.doc_timeout", seconds=seconds))
    return _Read(problem=msg("report.doc_crashed"))


def _read_all(files: list[str]) -> dict[str, _Read]:
    """Each document read in an isolated worker, with the memory cap and the time limit the
    workbooks have: one that hangs, crashes or exhausts memory costs only itself."""
    from reportkit.io.intake import Job, run_isolated

    return dict(run_isolated(files, Job(_nothing, _read, _lost, TIMEOUT)))


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


def _title(campaign: Campaign, texts: list[str], fallback: str) -> str:
    """The document's title: its first paragraph that reads like one, else the file name."""
    for t in texts[:3]:
        if 4 <= len(t) <= 60 and classify(campaign, t) is not None:
            return t
    return fallback


@contextmanager
def find_narratives(
    target: Target, inbox: list[Path]
) -> Iterator[tuple[list[Narrative], list[Skipped]]]:
    """The narrative documents to append, in order, and the ones left out (with why); the
    paths stay valid until the block ends (members of a .zip live in a temporary folder)."""
    from reportkit.io.scratch import scratch_dir

    campaign, parent, line, milestone = target.campaign, target.unit, target.line, target.milestone
    found: list[Narrative] = []
    seen: dict[str, str] = {}
    children = {c.code: i for i, c in enumerate(campaign.children(parent))}
    spec = report_spec(campaign)
    with scratch_dir() as tmp:
        files, skipped = _word_files(inbox, tmp, campaign.timezone)
        read = _read_all(list(dict.fromkeys(p for p, _ in files)))
        for path, shown in files:
            got = read[path]
            if got.problem is not None:
                skipped.append(Skipped(shown, got.problem))
                continue
            sha = got.sha256
            if sha in seen:
                skipped.append(Skipped(shown, msg("report.doc_duplicate", other=seen[sha])))
                continue
            stem = _stem(Path(shown).name)
            head = [*got.first, *got.last]
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
            kind = classify(campaign, stem) or classify(campaign, " ".join(got.first[:2]))
            if not spec.accepts(kind, milestone):
                name = campaign.milestones[kind].name if kind in campaign.milestones else kind
                skipped.append(Skipped(shown, msg("report.doc_other_milestone", milestone=name)))
                continue
            seen[sha] = shown
            found.append(
                Narrative(
                    Path(path),
                    shown,
                    unit,
                    source,
                    doc_line,
                    kind,
                    _title(campaign, got.first, stem),
                    sha,
                )
            )
        found.sort(
            key=lambda n: (
                children.get(n.unit.code, len(children)),
                n.source.code,
                spec.rank(n.kind),
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
