"""How points look in chat: the balance with recent entries, the catalogue, my redemptions.

Times are shown in Asia/Shanghai; lists are capped so a reply stays well inside what WeChat
shows in one message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from handlers.points import texts
from rewards import texts as rewards_texts
from rewards.values import Balance, EntryView, RedemptionView, RewardView
from storage import clock

MAX_ENTRIES = 8
MAX_REWARDS = 15
MAX_REDEMPTIONS = 10
MAX_REASON = 20


def day(moment: datetime) -> str:
    local = clock.local(moment)
    text = f"{local.month}月{local.day}日"
    return text if local.year == clock.local().year else f"{local.year}年{text}"


def when(moment: datetime) -> str:
    return f"{day(moment)} {clock.local(moment):%H:%M}"


def what(entry: EntryView) -> str:
    """The Chinese reason of a ledger entry: the rule or kind, and the note it carries."""
    label = rewards_texts.entry_label(entry.kind, entry.rule)
    reason = entry.reason.strip()
    if not reason or reason == label:
        return label
    if len(reason) > MAX_REASON:
        reason = reason[: MAX_REASON - 1] + "…"
    return texts.WHAT_WITH_REASON.format(label=label, reason=reason)


def balance(bal: Balance, entries: Sequence[EntryView]) -> str:
    head = texts.BALANCE.format(available=bal.available)
    if bal.reserved:
        head += texts.BALANCE_RESERVED.format(reserved=bal.reserved)
    lines = [head]
    if entries:
        lines.append(texts.HISTORY_HEAD)
        lines += [
            texts.HISTORY_LINE.format(day=day(e.created_at), amount=e.amount, what=what(e))
            for e in entries[:MAX_ENTRIES]
        ]
    else:
        lines.append(texts.HISTORY_EMPTY)
    lines.append(texts.BALANCE_TAIL)
    return "\n".join(lines)


def catalogue(rewards: Sequence[RewardView], available: int) -> str:
    if not rewards:
        return texts.CATALOGUE_EMPTY.format(available=available)
    shown = rewards[:MAX_REWARDS]
    lines = [texts.CATALOGUE_HEAD]
    for r in shown:
        limit = texts.CATALOGUE_LIMIT.format(limit=r.per_person_limit) if r.per_person_limit else ""
        lines.append(
            texts.CATALOGUE_LINE.format(
                id=r.id, name=r.name, cost=r.cost, stock=r.stock, limit=limit, place=r.pickup_place
            )
        )
    if len(rewards) > len(shown):
        lines.append(texts.CATALOGUE_MORE.format(total=len(rewards), shown=len(shown)))
    lines.append(texts.CATALOGUE_TAIL.format(available=available, example=shown[0].id))
    return "\n".join(lines)


def status(view: RedemptionView) -> str:
    return rewards_texts.REDEMPTION_STATUS.get(view.status, view.status)


def redemption_line(view: RedemptionView, now: datetime) -> str:
    fields = {"name": view.reward_name, "cost": view.cost, "status": status(view),
              "code": view.code, "place": view.pickup_place}
    if view.status == "pending":
        if view.expires_at <= now:
            return texts.MINE_LAPSING.format(**fields)
        return texts.MINE_PENDING.format(until=when(view.expires_at), **fields)
    if view.status == "picked_up":
        return texts.MINE_PICKED_UP.format(day=day(view.resolved_at or view.created_at), **fields)
    return texts.MINE_EXPIRED.format(**fields)


def mine(views: Sequence[RedemptionView]) -> str:
    if not views:
        return texts.MINE_EMPTY
    now = clock.now()
    lines = [texts.MINE_HEAD]
    lines += [f"{i}. {redemption_line(v, now)}" for i, v in enumerate(views[:MAX_REDEMPTIONS], 1)]
    return "\n".join(lines)
