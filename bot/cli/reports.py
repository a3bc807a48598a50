"""``linli reports list|show``: 随手拍 cases for the operator (JSON with ``--json``)."""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli.context import run_with_storage
from handlers.reports import render
from handlers.reports.lifecycle import history
from handlers.reports.service.cases import case_number, find_case
from storage.core.models import Photo
from storage.reports.models import Case, CaseStatus, Supporter

TIMES = ("created_at", "dispatched_at", "accepted_at", "resolved_at", "closed_at",
         "accept_due_at", "resolve_due_at", "confirm_due_at", "property_acknowledged_at",
         "last_escalated_at")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("reports", help="随手拍: list and show cases")
    sub = p.add_subparsers(dest="reports_command", required=True, metavar="ACTION")
    ls = sub.add_parser("list", help="list cases, newest first")
    ls.add_argument("--status", choices=[s.value for s in CaseStatus])
    ls.add_argument("--grid", help="grid code, e.g. G01")
    ls.add_argument("--overdue", action="store_true", help="only cases past an SLA")
    ls.add_argument("--limit", type=int, default=200)
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    ls.set_defaults(func=run_list)
    show = sub.add_parser("show", help="one case with its history, supporters and photos")
    show.add_argument("number", type=_number, help="e.g. A1234")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(func=run_show)


def _number(text: str) -> str:
    number = case_number(text)
    if number is None:
        raise argparse.ArgumentTypeError(f"not a case number: {text!r} (expected e.g. A1234)")
    return number


def _row(c: Case) -> dict:
    row = {"number": c.number, "status": c.status.value, "category": c.category_code,
           "category_name": render.category_name(c.category_code), "grid": c.grid_code,
           "community": c.community_code, "compound": c.compound_code,
           "responsible": c.responsible, "assignee": c.assignee_openid,
           "department": c.department, "property_org": c.property_org,
           "address": c.address, "description": c.description, "lat": c.lat, "lng": c.lng,
           "reporter": c.reporter_openid, "supporters": c.supporters_count,
           "overdue": c.overdue, "escalation_level": c.escalation_level, "rating": c.rating,
           "referral": c.referral, "reopen_count": c.reopen_count}
    row.update({k: (v.isoformat() if (v := getattr(c, k)) else None) for k in TIMES})
    return row


def run_list(args: argparse.Namespace) -> int:
    async def work(_settings, _kv) -> list[dict]:
        await render.load_category_names()
        query = Case.all()
        if args.status:
            query = query.filter(status=args.status)
        if args.grid:
            query = query.filter(grid_code=args.grid.strip().upper())
        if args.overdue:
            query = query.filter(overdue=True)
        return [_row(c) for c in await query.order_by("-id").limit(args.limit)]

    rows = run_with_storage(work)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        flag = " 超时" if r["overdue"] else ""
        print(f"{r['number']:<7} {r['status']:<11} {r['category_name']:<8} "
              f"[{r['grid'] or '-'}] {r['assignee'] or '-'}{flag}  {r['address']}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    async def work(_settings, _kv) -> dict | None:
        await render.load_category_names()
        case = await find_case(args.number)
        if case is None:
            return None
        row = _row(case)
        row["events"] = [{"at": e.at.isoformat(), "action": e.action, "actor": e.actor_openid,
                          "from": e.from_status, "to": e.to_status, "note": e.note}
                         for e in await history(case)]
        row["supporter_openids"] = list(await Supporter.filter(case_id=case.id).order_by(
            "id").values_list("openid", flat=True))
        row["photos"] = [{"kind": p.owner_kind, "status": p.status.value, "path": p.path,
                          "reused": p.reused}
                         for p in await Photo.filter(owner_kind__in=["report", "report_after"],
                                                     owner_id=case.number).order_by("id")]
        row["card"] = render.case_card(case, place=await render.place_of(case))
        return row

    row = run_with_storage(work)
    if row is None:
        print(f"error (unknown_case): no case {args.number}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(row, ensure_ascii=False, indent=2))
        return 0
    print(row["card"])
    for e in row["events"]:
        print(f"  {e['at']}  {e['action']:<12} {e['actor']:<20} {e['note']}")
    return 0
