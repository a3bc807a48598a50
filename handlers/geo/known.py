"""Names that must exist before they are stored: grids, organisations, buildings, the street.

Each check raises ``UnknownName`` whose message names what exists ("没有网格 G99；现有网格：
G01、G02…"). While the geography holds nothing of a kind (a fresh install before ``linli grids
import``) there is nothing to check against, and the name is taken as given.
"""

from __future__ import annotations

from handlers.errors import Refusal
from handlers.geo import texts
from handlers.geo.errors import GeoError
from handlers.geo.gridindex import Place
from storage.geo.models import Building, Category, Community, Compound, Grid, Street

SHOWN = 12  # names listed in a refusal, then "…"


class UnknownName(GeoError, ValueError):
    code = "unknown_name"


class OutsideArea(Refusal):
    """A place outside every grid and beyond the nearest-grid bound: nothing is created
    (chat and the API reply ``reply``; Open311 gives it as the spec's 400)."""

    code = "outside_area"


def _listing(names: list[str]) -> str:
    shown = texts.LIST_SEP.join(names[:SHOWN])
    return shown + ("…" if len(names) > SHOWN else "")


async def check_grid(code: str) -> str:
    """The grid code as stored (upper case); ``UnknownName`` if no such grid."""
    code = code.strip().upper()
    known = list(await Grid.all().order_by("code").values_list("code", flat=True))
    if known and code not in known:
        raise UnknownName(texts.UNKNOWN_GRID.format(code=code, known=_listing(known)))
    return code


async def org_names() -> list[str]:
    """What ``Person.org`` may name: compounds' property orgs, departments, communities."""
    names: list[str] = []
    for group in (await Compound.all().order_by("code").values_list("property_org", flat=True),
                  await Category.all().order_by("code").values_list("department", flat=True),
                  await Community.all().order_by("code").values_list("name", flat=True),
                  await Street.all().order_by("code").values_list("name", flat=True),
                  [f"{c.street.name} · {c.name}" for c in await Community.all().order_by(
                      "code").prefetch_related("street")]):
        names += [name for name in group if name and name not in names]
    return names


async def check_org(org: str) -> str:
    """The organisation as routing matches it: a known name, the property org of a compound
    named (明珠小区 → 长春万科物业 · 明珠小区), or the one known name containing it."""
    org = org.strip()
    known = await org_names()
    if not known or org in known:
        return org
    compound = await Compound.filter(name=org, property_org__isnull=False).first()
    if compound is not None and compound.property_org:
        return compound.property_org
    found = [name for name in known if org and org in name]
    if len(found) == 1:
        return found[0]
    raise UnknownName(texts.UNKNOWN_ORG.format(org=org, known=_listing(known)))


async def building_known(code: str) -> bool:
    """Whether a QR code's building is one of the district's (any, while none are loaded)."""
    code = code.strip().upper()
    return await Building.exists(code=code) or not await Building.exists()


async def outside_reply(place: Place) -> str | None:
    """What to tell someone whose place lies outside every grid and beyond the nearest-grid
    bound (``how == "none"`` while grids exist): the service covers the street (its name,
    from the geography) and 12345 takes the rest. None for a place the service covers."""
    if place.how != "none" or place.community is None:
        return None
    community = await Community.get_or_none(code=place.community).prefetch_related("street")
    street = community.street.name if community else (
        await Street.all().order_by("id").values_list("name", flat=True))[0]
    return texts.OUTSIDE.format(street=street)
