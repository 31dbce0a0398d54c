"""Plausible filled submissions for demos and tests: values that satisfy the campaign's rules."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from reportkit.model.campaign import Campaign, Form
from reportkit.model.registry import Region

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
]
TITLES = ["科长", "副科长", "一级主任科员", "二级主任科员", "副局长", "科员"]
AREA_CODES = {"37": "0538"}  # Tai'an; others get a plausible four-digit code below


def _rng(seed: int, *parts: str) -> random.Random:
    # str seeds hash with SHA-512 in CPython: stable across runs and platforms
    return random.Random("|".join([str(seed), *parts]))


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _money(rng: random.Random, high: float) -> Decimal:
    return Decimal(str(round(rng.uniform(0.05, high), 2)))


def _phone(rng: random.Random, region: Region) -> str:
    area = AREA_CODES.get(region.code[:2], f"0{rng.randint(310, 999)}")
    return f"{area}-{rng.randint(2000000, 8999999)}"


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"


def _deadline_day(campaign: Campaign, region: Region, milestone: str = "deploy") -> dt.date:
    """The unit's deadline, or (where the campaign sets none for it) its nearest superior's."""
    for unit in (region, *campaign.registry.ancestors(region.code)):
        deadline = campaign.deadline(milestone, unit)
        if deadline is not None:
            return deadline.date
    return campaign.starts + dt.timedelta(days=30)


def sample_header(
    campaign: Campaign, region: Region, line: str, milestone: str, seed: int = 0
) -> dict[str, Any]:
    """填报人, 联系方式 and 填报时间 (a few days before the unit's deadline)."""
    rng = _rng(seed, region.code, line, milestone, "header")
    day = _deadline_day(campaign, region, milestone)
    return {
        "filled_by": _name(rng),
        "contact": _phone(rng, region),
        "filled_on": day - dt.timedelta(days=rng.randint(1, 6)),
    }


def sample_values(
    campaign: Campaign, form: Form, region: Region, line: str, milestone: str, seed: int = 0
) -> dict[str, Any]:
    """Input values for `form` at `milestone`: only the cells that milestone requires."""
    rng = _rng(seed, region.code, form.id, line, milestone)
    if form.id == "samr-stats":
        values = _samr(rng, milestone)
    elif form.id == "mem-stats":
        values = _mem(_rng(seed, region.code, form.id, line), milestone)
    elif form.id == "deploy":
        values = _deploy(campaign, rng, region, line)
    else:  # a form of another campaign: small whole numbers in every required count cell
        values = {
            c.key: rng.randint(0, 9) for c in form.required(milestone) if c.field.type == "count"
        }
    required = {c.key for c in form.required(milestone)}
    return {k: v for k, v in values.items() if k in required}


def _samr(rng: random.Random, milestone: str) -> dict[str, Any]:
    scale = 1 if milestone == "midterm" else 2
    out: dict[str, Any] = {}
    for row in ("false_publicity", "illegal_ads", "other"):
        cases = rng.randint(0, 6 * scale)
        out[f"{row}.cases"] = cases
        out[f"{row}.fines"] = _money(rng, 3.0 * cases) if cases else Decimal(0)
        out[f"{row}.to_police"] = rng.randint(0, cases // 3) if cases else 0
    out["joint_enforcement"] = rng.randint(1, 4 * scale)
    out["exposed_cases"] = rng.randint(0, 2 * scale)
    return out


def _mem(rng: random.Random, milestone: str) -> dict[str, Any]:
    # Drawn once per unit and line (not per milestone) so final figures extend the midterm ones.
    out: dict[str, Any] = {}
    for row, high in (("training", 30), ("exam", 6)):
        in_scope = rng.randint(2, high)
        self_checked = rng.randint(max(1, in_scope * 7 // 10), in_scope)
        self_problems = rng.randint(0, 3 * self_checked)
        inspected = rng.randint(max(1, in_scope * 8 // 10), in_scope)
        with_problems = rng.randint(0, inspected)
        problems = with_problems + rng.randint(0, 2 * with_problems)
        penalized = rng.randint(0, with_problems)
        eliminated = rng.randint(0, penalized)
        out.update(
            {
                f"{row}.in_scope": in_scope,
                f"{row}.self_checked": self_checked,
                f"{row}.self_problems": self_problems,
                f"{row}.self_fixed": rng.randint(self_problems * 6 // 10, self_problems),
                f"{row}.inspected": inspected,
                f"{row}.with_problems": with_problems,
                f"{row}.penalized": penalized,
                f"{row}.fines": _money(rng, 2.0 * penalized) if penalized else Decimal(0),
                f"{row}.ordered_to_fix": rng.randint(0, with_problems),
                f"{row}.suspended": rng.randint(0, with_problems - eliminated),
                f"{row}.eliminated": eliminated,
                f"{row}.problems": problems,
                f"{row}.fixed": rng.randint(problems * 7 // 10, problems),
                f"{row}.exposed_cases": rng.randint(0, min(2, penalized)),
                f"{row}.institutions": in_scope - eliminated,
            }
        )
    return out


def _deploy(campaign: Campaign, rng: random.Random, region: Region, line: str) -> dict[str, Any]:
    agency = campaign.agency_name(region, line)
    short = region.name.rstrip("市区县") if len(region.name) > 2 else region.name
    prefix = "市监" if line == "samr" else "应急"
    return {
        "plan_name": f"{agency}特种作业人员安全技术培训考核专项治理实施方案",
        "doc_number": f"{short}{prefix}发〔{campaign.year}〕{rng.randint(3, 40)}号",
        # before 填报时间, which sample_header puts 1–6 days before the deadline
        "issued_on": _deadline_day(campaign, region) - dt.timedelta(days=rng.randint(7, 14)),
        "liaison_name": _name(rng),
        "liaison_title": rng.choice(TITLES),
        "office_phone": _phone(rng, region),
        "mobile": _mobile(rng),
        "email": f"{line}{region.code}@example.cn",
    }
