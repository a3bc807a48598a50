"""What the console says in Python code (the templates hold the rest of its words)."""

CROSS_SITE = "拒绝：此请求不是从指挥中心页面发出的（跨站请求）。"
BAD_TOKEN = "拒绝：页面已过期，请刷新后重试。"
LINK_REFUSED_TITLE = "登录链接无效"
LINK_REFUSED = ("这个登录链接无效、已使用或已过期（有效期 5 分钟，只能用一次）。"
                "请在公众号发送「后台」获取新链接，或请管理员运行 linli console link。")
NOT_FOUND_TITLE = "未找到"
NOT_FOUND = "没有这个页面，或您无权查看。"
ADMINS_ONLY = "只有社区或街道管理员可以进行此操作。"
DONE = "已完成：{what}"
SOURCE_NAMES = {"chat": "公众号", "miniapp": "小程序", "open311": "Open311",
                "hotline": "12345热线", "visit": "走访"}
NEED_REASON = "请填写理由。"
UNKNOWN_ACTION = "不认识的操作。"
ACTION_DONE = {
    "assign": "已派单", "supervise": "已督办，已通知承办人及其 B 角", "remind": "已催办",
    "reject": "已驳回并告知居民", "hide": "已隐藏", "review_ok": "核查通过，已请居民确认",
    "review_back": "已退回重办", "note": "已添加内部备注",
}
TOO_MANY_PHOTOS = "最多上传 3 张照片。"
PHOTO_TOO_BIG = "照片不能超过 10 MB。"
CHOOSE_SOURCE = "请选择来源：12345热线或走访。"
INTAKE_DONE = "已代录为 {number}，已按规则分拨"
ALREADY_DONE = "这张表单已经提交过，没有重复办理。"
# 心愿 (wishes)
WISH_EVENT_NAMES = {
    "submitted": "提交心愿", "approved": "审核通过，已上心愿墙", "rejected": "退回",
    "cancelled": "撤销", "claimed": "志愿者认领", "released": "志愿者放弃认领",
    "fulfilled": "志愿者提交完成凭证", "confirmed": "确认已完成", "disputed": "对完成提出异议",
    "closed": "圆满完成，积分已发放", "reminded": "提醒志愿者认领即将到期",
    "expired": "认领到期，重回心愿墙",
}
WISH_ACTION_DONE = {"approve": "已通过，心愿已上心愿墙，已告知发布人",
                    "reject": "已退回，已告知发布人理由"}
WISH_SYSTEM = "系统"
WISH_CLI = "运维（命令行）"
WISH_RESIDENT = "居民"
NEED_BENEFICIARY = "请填写受助老人的姓名（代老人发布心愿）。"
WISH_POSTED = "已代发心愿 {number}，等待管理员审核"
CLAIM_LEFT_DAYS = "剩 {days} 天 {hours} 小时"
CLAIM_LEFT_HOURS = "剩 {hours} 小时 {minutes} 分"
CLAIM_OVER = "已到期，等待系统收回"
# 积分 (bot/console/pages/points.py)
FORM_EXPIRED = "表单已失效，请刷新页面后重试。"
REWARD_BAD_NAME = "礼品名称须为 1 到 64 个字。"
REWARD_BAD_COST = "所需积分须为正整数。"
REWARD_BAD_STOCK = "库存须为 0 或正整数。"
REWARD_BAD_QUANTITY = "入库数量须为正整数。"
REWARD_BAD_LIMIT = "每人限兑须为正整数，不限则留空。"
REWARD_BAD_DATES = "日期格式不对，或截止日期早于开始日期。"
REWARD_ADDED = "已添加礼品 {id}：{name}，{cost} 分，库存 {stock} 件"
REWARD_ALREADY_ADDED = "这张表单已经添加过礼品 {id}，没有重复添加。"
RESTOCKED = "礼品 {id} 已入库 {quantity} 件，现有库存 {stock} 件"
RESTOCK_REPLAYED = "这张表单已经入库过，没有重复入库。礼品 {id} 现有库存 {stock} 件"
REWARD_DISABLED = "礼品 {id} 已停用，居民不能再兑换"
REWARD_ENABLED = "礼品 {id} 已重新启用"
HANDED_OUT = "核销成功：{name}（{cost} 分），核销码 {code}，兑换人 {who}。请把礼品交给兑换人。"
# 人员 (bot/console/pages/staff.py)
INVITE_BAD_ROLE = "请选择角色。"
INVITE_NEED_NAME = "请填写姓名。"
INVITE_NEED_GRID = "网格员需要选择网格。"
WITHDRAWN = "已撤销 {name} 的{role}角色，其指挥中心和小程序登录已全部失效"
BAD_WEEK_TITLE = "周次有误"
BAD_WEEK = "「{week}」不是有效的周次，请按 2026-W47 的格式填写（年份-W周数，ISO 周）。"
WISH_KIND_BAD = "请选择心愿类别。"
WISH_DATE_BAD = "日期格式不对，请用日期选择器选择。"
WISH_NOTE_GRID = "交给网格 {grid} 跟进"
WISH_NOTE_POINTS = "志愿者获得 {points} 积分"
