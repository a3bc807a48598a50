"""Everything a person sees from the rewards package, in Simplified Chinese.

Logic never builds user-facing strings: it raises an error or returns a value, and the edge
renders it with the helpers here.
"""

from __future__ import annotations

from rewards.errors import RewardsError

DEFAULT_PICKUP_PLACE = "社区服务站"

ERRORS: dict[str, str] = {
    "insufficient_points": "积分不足：需要 {needed} 分，当前可用 {available} 分。",
    "insufficient_balance": "余额不足，操作未执行。",
    "out_of_stock": "这件礼品已经兑完了，请看看其他礼品。",
    "over_limit": "这件礼品每人最多兑换 {limit} 次，您已达到上限。",
    "unknown_reward": "没有找到编号为 {reward_id} 的礼品，请发送“兑换”查看礼品列表。",
    "not_available": "这件礼品当前不可兑换。",
    "unknown_code": "核销码 {code} 不存在，请核对后重新输入。",
    "code_expired": "核销码 {code} 已过期，无法核销。预留的积分会自动退回。",
    "code_used": "核销码 {code} 已经使用过了。",
    "idempotency_conflict": "这个请求与之前的记录不一致，未执行。请联系社区工作人员。",
    "invalid_amount": "积分数量必须是正整数。",
    "unknown_transfer": "没有找到这笔积分记录。",
    "transfer_not_pending": "这笔积分记录已经处理过了。",
    "not_reversible": "这笔积分记录不能冲正。",
    "ledger_invariant_broken": "积分系统暂时出现问题，工作人员正在处理。",
    "unknown_rule": "积分规则不存在。",
}
FALLBACK_ERROR = "操作未成功，请稍后再试。"

# What each kind of ledger movement is called in a person's points history.
ENTRY_KINDS: dict[str, str] = {
    "award": "获得积分",
    "grant": "社区发放",
    "spend": "积分使用",
    "redeem": "兑换礼品",
    "reversal": "冲正",
    "expiry": "积分过期",
    "restock": "礼品入库",
}

# Earning rules, by the names used in rules.json.
RULES: dict[str, str] = {
    "report_confirmed_reporter": "随手拍问题已确认",
    "report_confirmed_supporter": "支持的问题已确认",
    "wish_fulfilled_volunteer": "完成微心愿",
    "rating_given": "评价办理结果",
}

REDEMPTION_STATUS: dict[str, str] = {
    "pending": "待领取",
    "picked_up": "已领取",
    "expired": "已过期",
}


def error_text(err: RewardsError) -> str:
    template = ERRORS.get(err.code)
    if template is None:
        return FALLBACK_ERROR
    try:
        return template.format(**err.params)
    except (KeyError, IndexError, ValueError):
        return FALLBACK_ERROR


def entry_label(kind: str, rule: str | None = None) -> str:
    """How a history line is called: the rule for an award, else the kind of movement."""
    base = ENTRY_KINDS.get(kind, kind)
    if rule in RULES:
        return f"{base}（{RULES[rule]}）" if kind == "reversal" else RULES[rule]
    return base
