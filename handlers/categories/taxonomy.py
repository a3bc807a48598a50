"""The taxonomy file: where it lives, what an entry may hold, and its check.

The taxonomy lives in ``data/categories.json`` (or any file given to ``linli categories load``):
changing an SLA, a department, a radius or ``review_required`` (核查: a resolution is
reviewed by someone other than the resolver before the resident is asked) is an edit and a
load, no code. ``parse_categories`` checks a document and names every entry at fault;
``service.load_categories`` writes it.
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
          "resolve_sla_hours", "duplicate_radius_m", "active", "description",
          "review_required"}
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
    found = [f"{label.replace(' )', ')')}: {message}" for message in _faults(entry)]
    problems.extend(found)
    if found:
        return None
    return {"code": entry["code"], "name": entry["name"].strip(),
            "responsible": Responsible(entry["responsible"]),
            "department": entry.get("department") or None,
            "accept_sla_hours": entry["accept_sla_hours"],
            "resolve_sla_hours": entry["resolve_sla_hours"],
            "duplicate_radius_m": entry.get("duplicate_radius_m", 100),
            "active": entry.get("active", True), "sort_order": number,
            "review_required": entry.get("review_required", False),
            "description": entry.get("description", "")}


def _faults(entry: dict[str, Any]) -> list[str]:
    """What is wrong with one entry, in the order the file's fields are documented."""
    return [*_naming_faults(entry), *_responsibility_faults(entry), *_sla_faults(entry),
            *_setting_faults(entry)]


def _naming_faults(entry: dict[str, Any]) -> list[str]:
    found = []
    if unknown := sorted(set(entry) - FIELDS):
        found.append(f"unknown field(s) {', '.join(unknown)} "
                     f"(known: {', '.join(sorted(FIELDS))})")
    code, name = entry.get("code"), entry.get("name")
    if not isinstance(code, str) or not CODE.match(code):
        found.append("code must be 2-32 lower-case letters, digits or '_', starting with a letter")
    if not isinstance(name, str) or not 0 < len(name.strip()) <= 32:
        found.append("name must be 1-32 characters")
    return found


def _responsibility_faults(entry: dict[str, Any]) -> list[str]:
    found = []
    responsible = entry.get("responsible")
    if responsible not in {r.value for r in Responsible}:
        found.append(f"responsible must be one of {', '.join(r.value for r in Responsible)}")
    department = entry.get("department") or None
    if department is not None and (not isinstance(department, str) or len(department) > 64):
        found.append("department must be a name of at most 64 characters")
    if responsible == Responsible.DEPARTMENT and department is None:
        found.append("a department-handled category needs its department")
    return found


def _sla_faults(entry: dict[str, Any]) -> list[str]:
    found = []
    accept, resolve = entry.get("accept_sla_hours"), entry.get("resolve_sla_hours")
    for key, value in (("accept_sla_hours", accept), ("resolve_sla_hours", resolve)):
        if not _whole(value, 1, MAX_SLA_HOURS):
            found.append(f"{key} must be a whole number of hours from 1 to {MAX_SLA_HOURS}")
    if _whole(accept, 1, MAX_SLA_HOURS) and _whole(resolve, 1, MAX_SLA_HOURS) and (
            resolve < accept):
        found.append("resolve_sla_hours must not be shorter than accept_sla_hours")
    return found


def _setting_faults(entry: dict[str, Any]) -> list[str]:
    found = []
    radius = entry.get("duplicate_radius_m", 100)
    if not _whole(radius, 0, MAX_RADIUS_M):
        found.append(f"duplicate_radius_m must be a whole number of metres "
                     f"from 0 to {MAX_RADIUS_M}")
    active, description = entry.get("active", True), entry.get("description", "")
    if not isinstance(active, bool):
        found.append("active must be true or false")
    if not isinstance(entry.get("review_required", False), bool):
        found.append("review_required must be true or false")
    if not isinstance(description, str) or len(description) > 255:
        found.append("description must be text of at most 255 characters")
    return found


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
