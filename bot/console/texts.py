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
