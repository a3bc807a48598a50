"""``linli qr building|sheet``: permanent QR codes that bind whoever follows through them to a
building (the follow event carries ``qrscene_<building code>``, handlers.welcome).

Each code is created through WeChat's /cgi-bin/qrcode/create (QR_LIMIT_STR_SCENE: permanent,
the scene is the building code; WeChat gives the same code again for the same scene) and its
image fetched from showqrcode. ``sheet`` lays a compound's codes out on A4 pages to print and
post in the stairwells.
"""

from __future__ import annotations

import argparse
import io
import sys
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from bot.cli.context import run_with_storage
from bot.cli.wechat_api import add_service_url, failure, wechat_client
from bot.config import Settings
from bot.wechat.client import WeChatClient
from bot.wechat.errors import WeChatError
from handlers.welcome import SCENE_PREFIX
from storage.geo.models import Building, Compound

SHOWN = 12


class NotFound(LookupError):
    """No such building or compound; the message lists what exists."""


@dataclass(frozen=True)
class BuildingCode:
    building: Building
    url: str  # what the code holds
    png: bytes

    @property
    def scene(self) -> str:
        return self.building.code


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("qr", help="permanent QR codes that bind followers to a building")
    sub = p.add_subparsers(dest="qr_command", required=True, metavar="WHAT")
    one = sub.add_parser("building", help="one building's code as a PNG")
    one.add_argument("building", metavar="BUILDING", help="the building code, e.g. B12-3")
    one.add_argument("--out", type=Path, metavar="FILE.png",
                     help="where to write it (default: BUILDING.png here)")
    sheet = sub.add_parser("sheet", help="a printable A4 PDF: one labelled code per building "
                                         "of a compound")
    sheet.add_argument("--compound", required=True, metavar="NAME",
                       help="the compound (小区) by name or code")
    sheet.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    for parser in (one, sheet):
        add_service_url(parser)
    one.set_defaults(func=run_building)
    sheet.set_defaults(func=run_sheet)


async def building_code(client: WeChatClient, code: str) -> BuildingCode:
    """The permanent code of building ``code`` (as stored), made at WeChat, as PNG."""
    building = await Building.get_or_none(code=code.strip().upper())
    if building is None:
        known = await Building.all().order_by("code").limit(SHOWN + 1).values_list(
            "code", flat=True)
        raise NotFound(f"no building {code.strip()!r}; known: {_listing(list(known))}")
    return await _code_of(client, building)


async def _code_of(client: WeChatClient, building: Building) -> BuildingCode:
    ticket = await client.qrcode_create(building.code)
    image, _ = await client.qrcode_image(ticket.ticket)
    return BuildingCode(building, ticket.url, as_png(image))


def as_png(image: bytes) -> bytes:
    """WeChat sends JPEG; a PNG keeps the modules sharp when printed or scaled."""
    out = io.BytesIO()
    Image.open(io.BytesIO(image)).convert("L").save(out, format="PNG", optimize=True)
    return out.getvalue()


async def compound_codes(client: WeChatClient, name: str) -> tuple[Compound, list[BuildingCode]]:
    """Every building of the compound named (or coded) ``name``, with its code."""
    name = name.strip()
    compound = (await Compound.get_or_none(name=name)
                or await Compound.get_or_none(code=name.upper()))
    if compound is None:
        known = await Compound.all().order_by("code").limit(SHOWN + 1).values_list(
            "name", flat=True)
        raise NotFound(f"no compound {name!r}; known: {_listing(list(known))}")
    buildings = await Building.filter(compound=compound).order_by("code")
    if not buildings:
        raise NotFound(f"compound {compound.name} has no buildings (give them compound "
                       f"{compound.code} in the geography and `linli grids import` it)")
    return compound, [await _code_of(client, b) for b in buildings]


def _listing(names: list[str]) -> str:
    if not names:
        return "none yet (`linli grids import` loads the geography)"
    return ", ".join(names[:SHOWN]) + (", …" if len(names) > SHOWN else "")


def run_building(args: argparse.Namespace) -> int:
    async def work(settings, kv) -> BuildingCode:
        async with wechat_client(settings, kv, args.url) as client:
            return await building_code(client, args.building)

    made = _run(work, args.url)
    if made is None:
        return 1
    out = args.out or Path(f"{made.scene}.png")
    try:
        out.write_bytes(made.png)
    except OSError as exc:
        print(f"error: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"{out}: building {made.scene} ({made.building.name}); following through it sends "
          f"the scene {SCENE_PREFIX}{made.scene}; the code holds {made.url}")
    return 0


def run_sheet(args: argparse.Namespace) -> int:
    from bot.qrsheet import Code, render

    async def work(settings, kv) -> tuple[Compound, list[BuildingCode]]:
        async with wechat_client(settings, kv, args.url) as client:
            return await compound_codes(client, args.compound)

    made = _run(work, args.url)
    if made is None:
        return 1
    compound, codes = made
    try:
        pages = render([Code(compound.name, c.building.name, c.scene, c.png) for c in codes],
                       args.out, title=compound.name)
    except OSError as exc:
        print(f"error: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"{args.out}: {len(codes)} codes of {compound.name} on {pages} A4 page(s) "
          f"({', '.join(c.scene for c in codes)})")
    return 0


def _run(work, service_url: str):
    try:
        return run_with_storage(work)
    except NotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
    except WeChatError as exc:
        print(failure("the QR code", exc, Settings.from_env(), service_url), file=sys.stderr)
    return None
