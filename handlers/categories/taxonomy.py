"""The taxonomy file: where it lives, what an entry may hold, and its check.

The taxonomy lives in ``data/categories.json`` (or any file given to ``linli categories load``):
changing an SLA, a department or a radius is an edit and a load, no code. ``parse_categories``
checks a document and names every entry at fault; ``service.load_categories`` writes it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from handlers.geo.errors import GeoDataError
from storage.geo.models import Responsible

DEFAULT_FILE = Path(__file__).parent / "data" / "categories.json"
FALLBACK = "other"  # where what fits nowhere goes; the classifier's answer to unknown text
CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
FIELDS = {"code", "name", "responsible", "department", "accept_sla_hours",
          "resolve_sla_hours", "duplicate_radius_m", "active", "description"}
MAX_SLA_HOURS = 24 * 90
MAX_RADIUS_M = 5000


def parse_categories(doc: Any) -> list[dict[str, Any]]:
    """Check a taxonomy document; the rows to write, or ``GeoDataError`` naming each entry."""
    entries = doc.get("categories") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise GeoDataError(['the file has no "categories" list'])
    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        row = _parse_entry(number, entry, problems)
        if row is not None and row["code"] in seen:
            problems.append(f"category #{number} ({row['code']}): code used twice")
        elif row is not None:
            seen.add(row["code"])
            rows.append(row)
    if problems:
        raise GeoDataError(problems)
    return rows


def _parse_entry(number: int, entry: Any, problems: list[str]) -> dict[str, Any] | None:
    if not isinstance(entry, dict):
        problems.append(f"category #{number}: not an object")
        return None
    label = f"category #{number} ({entry.get('code', '?')} {entry.get('name', '')})".strip()
    found = []

    def bad(message: str) -> None:
        found.append(f"{label.replace(' )', ')')}: {message}")

    if unknown := sorted(set(entry) - FIELDS):
        bad(f"unknown field(s) {', '.join(unknown)} (known: {', '.join(sorted(FIELDS))})")
    code, name = entry.get("code"), entry.get("name")
    if not isinstance(code, str) or not CODE.match(code):
        bad("code must be 2-32 lower-case letters, digits or '_', starting with a letter")
    if not isinstance(name, str) or not 0 < len(name.strip()) <= 32:
        bad("name must be 1-32 characters")
    responsible = entry.get("responsible")
    if responsible not in {r.value for r in Responsible}:
        bad(f"responsible must be one of {', '.join(r.value for r in Responsible)}")
    department = entry.get("department") or None
    if department is not None and (not isinstance(department, str) or len(department) > 64):
        bad("department must be a name of at most 64 characters")
    if responsible == Responsible.DEPARTMENT and department is None:
        bad("a department-handled category needs its department")
    accept, resolve = entry.get("accept_sla_hours"), entry.get("resolve_sla_hours")
    for key, value in (("accept_sla_hours", accept), ("resolve_sla_hours", resolve)):
        if not _whole(value, 1, MAX_SLA_HOURS):
            bad(f"{key} must be a whole number of hours from 1 to {MAX_SLA_HOURS}")
    if _whole(accept, 1, MAX_SLA_HOURS) and _whole(resolve, 1, MAX_SLA_HOURS) and (
            resolve < accept):
        bad("resolve_sla_hours must not be shorter than accept_sla_hours")
    radius = entry.get("duplicate_radius_m", 100)
    if not _whole(radius, 0, MAX_RADIUS_M):
        bad(f"duplicate_radius_m must be a whole number of metres from 0 to {MAX_RADIUS_M}")
    active, description = entry.get("active", True), entry.get("description", "")
    if not isinstance(active, bool):
        bad("active must be true or false")
    if not isinstance(description, str) or len(description) > 255:
        bad("description must be text of at most 255 characters")
    problems.extend(found)
    if found:
        return None
    return {"code": code, "name": name.strip(), "responsible": Responsible(responsible),
            "department": department, "accept_sla_hours": accept,
            "resolve_sla_hours": resolve, "duplicate_radius_m": radius, "active": active,
            "sort_order": number, "description": description}


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
