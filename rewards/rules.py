"""Earning points by rule: ``apply_rule(rule, openid, subject, facts)``.

The callers (reports, wishes) know the facts - a reused photo, a rejected, merged or hidden
case - and pass them in; this module knows the points, the caps and the idempotency key
(``rules.json``). Every application is recorded as an ``Award`` even when it earns nothing
(capped, or ruled out by a fact), so a replay gives the same answer.

Caps count points earned by rule in the person's Asia/Shanghai day (midnight to midnight)
and week (Monday to Monday). They are checked with the person's wallet locked, so
concurrent awards cannot both slip under a cap.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from rewards import accounts, transfers
from rewards.idempotency import fingerprint, once
from rewards.policy import Rule, Rules, load_rules
from rewards.transfers import Move
from rewards.tx import transaction
from rewards.values import AwardResult
from storage import clock
from storage.ledger.models import Award, AwardOutcome


def day_start(at: datetime) -> datetime:
    local = clock.local(at)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def week_start(at: datetime) -> datetime:
    local = clock.local(at)
    monday = local - timedelta(days=local.weekday())
    return monday.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


async def apply_rule(
    rule_name: str,
    openid: str,
    subject_key: str,
    facts: Mapping[str, bool] | None = None,
    *,
    rules: Rules | None = None,
) -> AwardResult:
    """Award ``rule_name``'s points to ``openid`` for ``subject_key`` (e.g. "A1234"), once.

    Raises UnknownRule, IdempotencyConflict (same subject, different person or facts) and
    ValueError for a fact name rules.json does not know.
    """
    rules = rules or load_rules()
    rule = rules.rule(rule_name)
    true_facts = _true_facts(facts or {}, rules)
    key = rule.key_for(subject_key, openid)
    fp = fingerprint(
        op="rule", rule=rule_name, openid=openid, subject=subject_key, facts=true_facts
    )

    async def write() -> AwardResult:
        async def work() -> AwardResult:
            # The wallet lock serialises this person's awards: caps cannot be overrun.
            accts = await accounts.lock(accounts.ISSUANCE, accounts.wallet_code(openid))
            issuance, wallet = accts[accounts.ISSUANCE], accts[accounts.wallet_code(openid)]
            now = clock.now()
            amount, outcome, detail = await _decide(rule, rules, openid, true_facts, now)
            transfer_id = None
            if amount:
                move = Move(key, fp, "award", issuance, wallet, amount, subject_key, rule_name)
                [t] = await transfers.create([move], pending=False, at=now)
                transfer_id = t.id
            award = await Award.create(
                key=key,
                fingerprint=fp,
                rule=rule_name,
                openid=openid,
                subject=subject_key,
                amount=amount,
                outcome=outcome,
                detail=detail,
                transfer_id=transfer_id,
                created_at=now,
            )
            return _result(award)

        return await transaction(work)

    async def replay(award: Award) -> AwardResult:
        return _result(award, replayed=True)

    return await once(Award, key, fp, write, replay)


async def earned(openid: str, since: datetime, rule: str | None = None) -> int:
    """Points earned by rule since ``since``."""
    query = Award.filter(openid=openid, created_at__gte=since)
    if rule is not None:
        query = query.filter(rule=rule)
    return sum(await query.values_list("amount", flat=True))


async def _decide(
    rule: Rule, rules: Rules, openid: str, true_facts: list[str], now: datetime
) -> tuple[int, AwardOutcome, str]:
    blocked = [f for f in rule.no_points_if if f in true_facts]
    if blocked:
        return 0, AwardOutcome.NO_POINTS, blocked[0]
    day, week = day_start(now), week_start(now)
    rows = await Award.filter(openid=openid, created_at__gte=week).values_list(
        "amount", "rule", "created_at"
    )
    used_day = sum(a for a, _, at in rows if at >= day)
    used_rule_day = sum(a for a, r, at in rows if at >= day and r == rule.name)
    caps = (
        ("daily_cap", rules.daily_cap, used_day),
        ("weekly_cap", rules.weekly_cap, sum(a for a, _, _ in rows)),
        ("rule_daily_cap", rule.daily_cap, used_rule_day),
        ("rule_weekly_cap", rule.weekly_cap, sum(a for a, r, _ in rows if r == rule.name)),
    )
    amount, detail = rule.points, ""
    for name, cap, used in caps:
        if cap is not None and cap - used < amount:
            amount, detail = max(cap - used, 0), name
    if amount == rule.points:
        return amount, AwardOutcome.AWARDED, ""
    return amount, AwardOutcome.CAPPED, detail


def _true_facts(facts: Mapping[str, bool], rules: Rules) -> list[str]:
    unknown = set(facts) - rules.facts
    if unknown:
        raise ValueError(f"unknown facts {sorted(unknown)}; rules.json knows {sorted(rules.facts)}")
    return sorted(name for name, value in facts.items() if value)


def _result(award: Award, *, replayed: bool = False) -> AwardResult:
    return AwardResult(
        key=award.key,
        rule=award.rule,
        openid=award.openid,
        subject=award.subject,
        amount=award.amount,
        outcome=str(award.outcome),
        detail=award.detail,
        transfer_id=award.transfer_id,
        replayed=replayed,
    )
