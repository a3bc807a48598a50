"""Everything people read about their data, in one place (zh-CN)."""

from __future__ import annotations

EXPORT_SUMMARY_HEAD = "您在邻里的数据："

# The privacy notice (handlers/privacy/notice.py): shown once after a person's first report,
# wish or volunteer registration, again on 隐私, and by GET /api/v1/privacy. The periods are
# the retention settings the daily sweep enforces.
NOTICE = (
    "【个人信息说明】\n"
    "保存什么：您上报的照片、位置和描述，心愿的地址和电话，志愿者登记的姓名和电话。\n"
    "谁能看到：处理的网格员、物业和社区工作人员；其他居民和公开数据只看到打码后的内容"
    "（姓名显示为“王**”），心愿的地址和电话只给认领的志愿者。\n"
    "保存多久：心愿结束{wish_contact_days}天后删除地址和电话，{wish_photo_days}天后删除心愿照片；"
    "问题办结{case_location_days}天后精确位置模糊到约100米；未提交的草稿最多保留{draft_hours}小时。\n"
    "如何删除：回复「我的数据」查看和下载，回复「注销」删除您的个人信息；回复「隐私」再看本说明。"
)

# 我的数据 (handlers/privacy/render.py): counts per kind, then the one-time link.
KIND_NAMES = {
    "profile": "个人资料",
    "staff_invites": "工作人员绑定",
    "volunteer": "志愿者登记",
    "wishes": "心愿",
    "wish_events": "心愿记录",
    "photos": "照片",
    "messages": "消息处理记录",
    "pushes": "推送消息",
    "subscribe_grants": "订阅授权",
    "reports": "随手拍问题",
    "case_events": "问题处理记录",
    "supports": "附议（+1）",
    "points_accounts": "积分账户",
    "points_awards": "积分奖励",
    "redemptions": "兑换",
    "expiry_notices": "积分到期提醒",
    "community_admin": "社区联系人",
    "grid_deputy": "网格B角",
    "points_entries": "积分流水",
}
SUMMARY_LINE = "· {name}：{count}条"
SUMMARY_NONE = "我们没有保存您的其他数据。"
DOWNLOAD = "完整数据（JSON）可在24小时内下载一次：\n{url}\n链接仅限本人使用，请勿转发。"

# 注销 → 确认注销
ERASE_ASK = ("注销将删除您的姓名、电话、地址、心愿照片和志愿者登记，您进行中的心愿会被取消、"
             "认领会被放弃；上报的问题只保留公开描述，积分记录以匿名方式保留。此操作不可撤销。\n"
             "确定请回复「确认注销」，回复其他内容则保留全部数据。")
ERASE_PROMPT = "确定注销请回复「确认注销」，回复其他内容则保留全部数据。"
ERASE_KEPT = "好的，已取消注销，您的数据都保留着。"
ERASE_DONE = "您的个人信息已删除。以后再发消息，邻里会把您当作新用户。"
ERASE_CONFIRM_WORD = "确认注销"
