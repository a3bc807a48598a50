"""Loading the taxonomy into ``Category`` rows (``linli categories load``, the demo data).

Loading matches by code: new codes are created, changed ones updated, identical ones left
alone; the order of the file is the order residents see. Categories the file does not
mention are kept (and reported), or deactivated with ``deactivate_missing``.
Cases keep their category code, so a category is never deleted, only deactivated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from handlers.categories.taxonomy import DEFAULT_FILE, parse_categories
from handlers.geo.datafile import read_json
from storage.geo.models import Category


@dataclass
class LoadResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)  # kept as they were...
    deactivated: list[str] = field(default_factory=list)  # ...or deactivated on request


async def load_categories(source: str | Path | Any = None, *,
                          deactivate_missing: bool = False) -> LoadResult:
    """Upsert the taxonomy from a file, or a parsed document, or the default file (None)."""
    source = DEFAULT_FILE if source is None else source
    doc = read_json(source) if isinstance(source, str | Path) else source
    rows = parse_categories(doc)
    result = LoadResult()
    async with in_transaction():
        existing = {c.code: c for c in await Category.all().select_for_update()}
        for row in rows:
            current = existing.pop(row["code"], None)
            if current is None:
                await Category.create(**row)
                result.created.append(row["code"])
                continue
            changed = {k: v for k, v in row.items() if getattr(current, k) != v}
            if changed:
                await current.update_from_dict(changed).save()
            # A new position alone (another entry left out) is applied, not reported.
            updated = set(changed) - {"sort_order"}
            (result.updated if updated else result.unchanged).append(row["code"])
        for code, category in sorted(existing.items()):
            result.not_in_file.append(code)
            if deactivate_missing and category.active:
                category.active = False
                await category.save()
                result.deactivated.append(code)
    return result
