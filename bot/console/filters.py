"""Jinja filters of the console: times in Shanghai, shares, hours, status and role names."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from pathlib import Path

import jinja2

from bot.console import texts as console_texts
from handlers import masking
from handlers import texts as common_texts
from handlers.reports import texts as report_texts
from storage import clock


def local(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return clock.local(moment).strftime(fmt) if moment else ""


def share(x: float | None) -> str:
    return "—" if x is None else f"{round(x * 100)}%"


def hours(h: float | None) -> str:
    if h is None:
        return "—"
    return f"{round(h * 60)} 分钟" if h < 1 else f"{h:.1f} 小时"


def rating(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f}"


def status_name(status: str) -> str:
    return report_texts.STATUS_NAMES.get(str(status), str(status))


def role_name(role: str) -> str:
    return common_texts.ROLE_NAMES.get(str(role), str(role))


STATIC = Path(__file__).parent / "static"


@cache
def static(path: str) -> str:
    """The URL of a file under static/, versioned by its content (so caches can keep it)."""
    digest = hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:10]
    return f"/console/static/{path}?v={digest}"


def action_name(action: str) -> str:
    return report_texts.ACTION_NAMES.get(action, action)


def source_name(source: str) -> str:
    return console_texts.SOURCE_NAMES.get(str(source), str(source))


def install(env: jinja2.Environment) -> None:
    env.globals["static"] = static
    env.filters.update(local=local, share=share, hours=hours, rating=rating,
                       status_name=status_name, role_name=role_name, action_name=action_name, source_name=source_name,
                       masked=masking.mask_text, masked_address=masking.coarse_address,
                       masked_name=masking.mask_name)
