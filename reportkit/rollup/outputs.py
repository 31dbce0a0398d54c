"""Writing a roll-up's outputs: each level's workbook (a valid submission one level up) and its
JSON summary, only those whose content changed, never undoing what a person edited."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportkit.io.atomic import atomic_write
from reportkit.io.intake import Options, read_many
from reportkit.messages import STATUS_NAMES, msg
from reportkit.model.campaign import Campaign, Form, item_count
from reportkit.model.registry import Region
from reportkit.rollup.core import (
    RollupResult,
    end_of_day,
    output_name,
    plain,
)
from reportkit.rollup.sheets import sheets as _sheets
from reportkit.rollup.summary import summary

HEADER_FIELDS = ("filled_by", "contact", "filled_on")  # what a person may correct by hand


def moment(result: RollupResult, as_of: dt.datetime, explicit: bool, tz: str) -> dt.datetime:
    """The one moment an output (and a report made from it) speaks for: the clerk's --as-of;
    else the data's own time — the latest arrival among the counted subordinates — never
    after the unit's own deadline (nor after the moment the statuses were judged at)."""
    if explicit:
        return as_of
    arrivals = [c.counted.received_at for c in result.children if c.counted is not None]
    at = min(max(arrivals), as_of) if arrivals else as_of
    if result.deadline is not None:
        at = min(at, end_of_day(result.deadline, tz) - dt.timedelta(seconds=1))
    return at


@dataclass
class Output:
    result: RollupResult
    base: str
    moment: dt.datetime
    header: dict[str, Any]  # the header the workbook carries (a person's where they set it)
    kept: dict[str, Any]  # the fields of it a person wrote (kept from run to run)
    digest: str = ""
    data_digest: str = ""  # the digest without the header: did the figures change?


def write_outputs(
    campaign: Campaign,
    result: RollupResult,
    out_dir: Path,
    as_of: dt.datetime,
    explicit: bool = False,
    notices: list[str] | None = None,
) -> list[str]:
    """The unit's workbook (a valid submission one level up) and a JSON summary, and the same
    for every intermediate level built on the way.

    An output whose content has not changed since it was last written is left as it is (its
    JSON carries a digest of the content), so a re-run after one county resubmits rewrites
    only that county's city, province and national outputs.

    An output a person has edited since (填报人 corrected after unprotecting the sheet) is
    never undone without a word: what they wrote in the header is read back and kept in every
    later rebuild; while the figures are unchanged their file is left as it is; when the figures
    change, the output is rebuilt with their header and their file is kept beside it. What was
    done is said in `notices`.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    _sweep_temp_files(out_dir)
    said = notices if notices is not None else []
    # paths as plain strings: a national roll-up names 722 files
    todo: list[Output] = []
    edited: list[tuple[Output, dict[str, Any], str]] = []
    written: list[str] = []
    for r in _flatten(result):
        base = str(out_dir / output_name(r))
        written += [base + ".xlsx", base + ".json"]
        old = _previous(base)
        at = moment(r, as_of, explicit, campaign.timezone)
        kept = {k: v for k, v in (old or {}).get("kept_header", {}).items() if k in HEADER_FIELDS}
        out = Output(r, base, at, _header(campaign, r, at, kept), kept)
        out.digest, out.data_digest = _digests_of(summary(campaign, r, as_of, out))
        state = _state(base, old, out.digest)
        if state == "same":
            continue
        if state == "edited" and old is not None:
            edited.append((out, old, base + ".xlsx"))
        else:
            todo.append(out)
    todo += _edits(campaign, edited, as_of, said)
    # one output at a time is held in memory: built (in parallel), written, dropped.
    # Outputs are derived from the ledger (which SQLite keeps durable), so they are not synced
    # one by one: a rename still makes each appear whole, and an output a power cut left torn
    # or stale fails the check in `_state` (its JSON records the workbook's SHA-256) and is
    # rebuilt by the next run. Syncing each file cost a third of a national roll-up.
    for out, book in zip(todo, _build_books(campaign, todo), strict=True):
        atomic_write(out.base + ".xlsx", book, sync=False)
        _write_summary(campaign, out, as_of, hashlib.sha256(book).hexdigest())
    return written


def _write_summary(
    campaign: Campaign, out: Output, as_of: dt.datetime, sha: str, person: bool = False
) -> None:
    # the summary again (it was digested above): holding every level's summary until its
    # workbook is built would cost more memory than rebuilding the few that changed
    data = summary(campaign, out.result, as_of, out)
    data["digest"], data["data_digest"] = out.digest, out.data_digest
    data["workbook_sha256"] = sha
    data["edited_by_person"] = person  # the workbook is a person's edit, kept as the output
    data["outputs"] = [out.base + ".xlsx", out.base + ".json"]
    # one line: the C encoder (indent= falls back to pure Python, 4× slower)
    atomic_write(out.base + ".json", json.dumps(data, ensure_ascii=False).encode(), sync=False)


def _header(
    campaign: Campaign, result: RollupResult, at: dt.datetime, kept: dict[str, Any]
) -> dict[str, Any]:
    """填报人 and 联系方式 from the campaign's contact for the unit, 填报时间 the moment's date;
    what a person wrote over them instead."""
    header: dict[str, Any] = {"filled_on": at.date()}
    contact = campaign.contact(result.unit, result.line)
    if contact is not None:
        header["filled_by"] = contact.name
        header["contact"] = " ".join(contact.phones)
    for k, v in kept.items():
        header[k] = dt.date.fromisoformat(v) if k == "filled_on" and isinstance(v, str) else v
    declared = {f.id for f in result.form.header}
    return {k: v for k, v in header.items() if k in declared}  # the campaign's header only


def _previous(base: str) -> dict[str, Any] | None:
    try:
        with open(base + ".json", encoding="utf-8") as f:
            old = json.load(f)
    except (OSError, ValueError):
        return None
    return old if isinstance(old, dict) else None


def _state(base: str, old: dict[str, Any] | None, digest: str) -> str:
    """same: the output on disk is what this content produces, workbook intact; edited: the
    workbook is not the one last written (a person's, or torn); new: anything else."""
    if old is None:
        return "new"
    try:
        with open(base + ".xlsx", "rb") as f:
            book = f.read()
    except OSError:
        return "new"
    if hashlib.sha256(book).hexdigest() != old.get("workbook_sha256"):
        return "edited"
    if old.get("digest") == digest:
        return "same"
    # a person's file kept as the output: to be rebuilt, it is kept aside first
    return "edited" if old.get("edited_by_person") else "new"


def _edits(
    campaign: Campaign,
    edited: list[tuple[Output, dict[str, Any], str]],
    as_of: dt.datetime,
    said: list[str],
) -> list[Output]:
    """What to do with each output a person (or a power cut) changed: the outputs to build."""
    if not edited:
        return []
    rebuild: list[Output] = []
    # read in an isolated worker, as every workbook from elsewhere is
    reads = dict(read_many([path for _, _, path in edited], Options()))
    for out, old, path in edited:
        sub = reads.get(path)
        mine = (
            sub is not None
            and sub.form == out.result.form.id
            and sub.unit_code == out.result.unit.code
            and not any(i.code.startswith("file.") for i in sub.issues)
        )
        if not mine or sub is None:
            rebuild.append(out)  # torn or not ours any more: rebuilt, as after a power cut
            continue
        wrote = old.get("header") or {}
        changed = {
            k: sub.header[k]
            for k in HEADER_FIELDS
            if sub.header.get(k) not in (None, "") and str(sub.header[k]) != str(wrote.get(k, ""))
        }
        out.kept = {**out.kept, **{k: plain(v) for k, v in changed.items()}}
        out.header = _header(campaign, out.result, out.moment, out.kept)
        out.digest, out.data_digest = _digests_of(summary(campaign, out.result, as_of, out))
        labels = {f.id: f.label for f in out.result.form.header}
        fields = "、".join(labels.get(k, k) for k in out.kept) or "表头以外的内容"
        if old.get("data_digest") == out.data_digest:
            # the figures are as they were: their file stays as it is, and is the output now
            with open(path, "rb") as f:
                sha = hashlib.sha256(f.read()).hexdigest()
            _write_summary(campaign, out, as_of, sha, person=True)
            said.append(msg("rollup.edit_kept", path=path, fields=fields))
            continue
        copy = _keep_copy(path, out.moment)
        said.append(msg("rollup.edit_rebuilt", path=path, fields=fields, copy=copy))
        rebuild.append(out)
    return rebuild


def _keep_copy(path: str, at: dt.datetime) -> str:
    """Copy a person's edited output beside it before it is rebuilt; the copy's name."""
    stem, ext = os.path.splitext(path)
    when = dt.datetime.now(at.tzinfo).strftime("%Y%m%d-%H%M%S")
    copy = f"{stem}（手工修改，{when}）{ext}"
    with open(path, "rb") as f:
        atomic_write(copy, f.read())
    return copy


def _flatten(result: RollupResult) -> list[RollupResult]:
    out: list[RollupResult] = []
    for sub in result.built:
        out += _flatten(sub)
    return [*out, result]


def _digests_of(data: dict[str, Any]) -> tuple[str, str]:
    """Digests of everything the workbook shows, and of all of it but the header."""
    content = {k: v for k, v in data.items() if k not in ("as_of", "outputs", "digest")}
    whole = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
    for k in ("header", "kept_header", "filled_on", "moment"):
        content.pop(k, None)
    figures = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(whole.encode()).hexdigest(), hashlib.sha256(figures.encode()).hexdigest()


_BUILD: list[tuple[Campaign, Output]] = []


def _build_one(i: int) -> bytes:
    campaign, out = _BUILD[i]
    return _workbook_bytes(campaign, out.result, out.header)


def _build_books(campaign: Campaign, outputs: list[Output]) -> Iterator[bytes]:
    """Workbook bytes for each output, in order, as they are built; on both cores where fork
    exists and it pays."""
    import multiprocessing as mp

    from reportkit.io.lifeline import die_with_parent

    if len(outputs) < 16 or not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
        for out in outputs:
            yield _workbook_bytes(campaign, out.result, out.header)
        return
    _BUILD[:] = [(campaign, out) for out in outputs]
    try:
        # fork: the children inherit the campaign and results; only indexes and bytes travel
        with mp.get_context("fork").Pool(min(os.cpu_count() or 2, 4), die_with_parent) as pool:
            yield from pool.imap(_build_one, range(len(outputs)), chunksize=4)
    finally:
        _BUILD.clear()


def _sweep_temp_files(out_dir: Path, age: float = 600.0) -> None:
    """Remove temporary files an interrupted run left beside the outputs (not fresh ones:
    another run may be writing them right now)."""
    cutoff = time.time() - age
    with os.scandir(out_dir) as it:
        for entry in it:
            if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    if entry.stat().st_mtime < cutoff:
                        os.unlink(entry.path)


def _banner(result: RollupResult) -> str | None:
    if result.complete:
        return None
    counts = result.counts()
    parts = [
        f"{STATUS_NAMES[s]} {counts[s]} 个单位"
        for s in ("missing", "rejected", "pending")
        if counts[s]
    ]
    parts += [
        f"{c.unit.name}报送的汇总表本身不完整"
        for c in result.children
        if c.counted is not None and not c.counted.complete
    ]
    return msg("rollup.incomplete_banner", detail="，".join(parts) or "部分单位未计入")


def _workbook_bytes(campaign: Campaign, result: RollupResult, header: dict[str, Any]) -> bytes:
    from reportkit.io.xlsx_writer import build_workbook

    form = result.form
    items = None
    if form.listed:  # every item, exactly: no empty rows
        items = item_count(result.totals)
        values = {c.key: result.totals.get(c.key) for c in form.sized(items).cells}
    else:
        values = {c.key: result.totals.get(c.key) for c in form.cells if not c.derived}
    if not form.is_table and not form.listed:  # single fields: figures summed, words its own
        values = {**values, **_own_deploy(campaign, result.unit, form)}
    extra_meta = {"rollup": "1", "complete": "1" if result.complete else "0"}
    # a rate that left a unit out is the roll-up's figure: the formula over the totals (which
    # count that unit's numerator) would show another one than the JSON and the report
    left_out = {i.field for i in result.issues if i.code == "rollup.rate_left_out" and i.field}
    fixed = {k: result.totals.get(k) for k in left_out if result.totals.get(k) is not None}
    return build_workbook(
        campaign,
        form,
        result.unit,
        result.line,
        milestone=result.milestone,
        values={k: v for k, v in values.items() if v is not None},
        header=header,
        banner=_banner(result),
        extra_sheets=_sheets(campaign, result),
        extra_meta=extra_meta,
        fixed=fixed,
        items=items,
    )


def _own_deploy(campaign: Campaign, unit: Region, form: Form) -> dict[str, Any]:
    """The unit's own deployment, where the campaign file knows it (its notice and contact)."""
    out: dict[str, Any] = {}
    for doc in campaign.documents:
        if doc.get("scope") == unit.code or (
            unit.level == "national" and doc.get("level") == "national"
        ):
            out["plan_name"] = doc.get("title")
            out["doc_number"] = doc.get("number")
            if doc.get("issued_on"):
                out["issued_on"] = dt.date.fromisoformat(str(doc["issued_on"]))
    return {k: v for k, v in out.items() if k in {f.id for f in form.fields}}
