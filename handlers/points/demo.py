"""Demo rewards and points for ``make run`` / ``linli demo-data`` (idempotent)."""

from __future__ import annotations

from rewards import catalogue, ledger

PLACE = "繁荣社区服务站"
# name, cost in points, units on the shelf, per-person limit
REWARDS = [
    ("洗衣液 2kg", 80, 20, 2),
    ("抽纸 6包", 30, 50, None),
    ("环保袋", 15, 100, None),
    ("理发券", 50, 10, 1),
]
# openid, points, reason (kept in the ledger); each grant has a fixed key, so loading twice
# grants once
POINTS = [
    ("demo-resident", 100, "参加社区志愿服务"),
    ("demo-resident", 30, "垃圾分类宣传活动"),
]


async def load_rewards() -> str:
    existing = {(r.name, r.pickup_place)
                for r in await catalogue.list_rewards(include_unavailable=True)}
    added = 0
    for name, cost, stock, limit in REWARDS:
        if (name, PLACE) not in existing:
            await catalogue.add_reward(name, cost, stock, per_person_limit=limit,
                                       pickup_place=PLACE)
            added += 1
    for i, (openid, amount, reason) in enumerate(POINTS):
        await ledger.grant(openid, amount, reason, key=f"demo:points:{openid}:{i}")
    total = sum(amount for _, amount, _ in POINTS)
    return (f"{added} rewards added ({len(REWARDS)} in the demo) at {PLACE}; "
            f"demo-resident holds {total} demo points")
