"""Everything the bot says to residents about 随手拍, in Simplified Chinese: the chat and the
progress pushes (``notify``). Staff texts are ``staff.texts``, the bulletin's ``bulletin.texts``."""

from storage.reports.models import CaseStatus

MAX_PHOTOS = 3
SKIP_WORDS = ("跳过", "无", "没有", "略", "不用")
YES_WORDS = ("确认", "提交", "确定")
DUP_YES = ("是", "是的", "对", "就是这个", "是这个")
DUP_NO = ("不是", "否", "不对", "新问题", "不是这个")
HERE_WORDS = ("本楼", "就在我楼下", "我楼下", "楼下", "我家楼下", "本楼栋")
ALL_WORDS = ("全部", "全部分类", "更多")

# Shared by the chat and the form (service.intake, the mini-program), each ending in its own way.
_NO_BUILDING = "您还没有关联楼栋（扫描楼栋二维码即可关联），"
FORM_SUPPORTED = "已为 {number} +1，您会和上报人一起收到处理进展。谢谢您！"
FORM_ALREADY_SUPPORTED = "您已经为 {number} +1 过了，会收到它的处理进展。"

# -- 随手拍: the conversation ----------------------------------------------------------------
STARTED = "【随手拍】开始上报问题（不是要上报？回复「取消」；回复「帮助」查看全部功能）。\n"
ASK_PHOTO = "【随手拍】请发送问题的照片（1-3 张）。"
ASK_LOCATION = ("请发送位置：点对话框「+」→「位置」选择问题所在地点。{here}")
HERE_HINT = "\n问题就在您楼下？回复「本楼」（{building}）。"
ASK_DESC = "请用一句话描述问题（300 字以内），例如：路灯不亮了；不想写请回复「跳过」。"
ASK_CATEGORY = "请选择问题分类，回复序号：\n{menu}"
CATEGORY_MORE = "\n回复「全部」查看全部分类。"
CATEGORY_BAD = "没有这个序号。"
ASK_CONFIRM = "请核对上报内容：\n{card}\n回复「确认」提交；要修改请回复「改照片」「改位置」「改描述」或「改分类」。"
CONFIRM_PROMPT = "回复「确认」提交，回复「取消」放弃。"
PROMPT_LOCATION = "请发送位置（「+」→「位置」），或回复「本楼」。"
PROMPT_CATEGORY = "请回复分类序号；回复「全部」查看全部分类。"
GOT_PHOTO = "已收到照片（{count}/3）。还可以继续发照片。\n"
PHOTO_FULL = "最多 3 张照片，这张没有收下。\n"
GOT_LOCATION = "已记下位置：{address}。\n"
GOT_DESC = "已记下描述。\n"
NEED_PHOTO = "随手拍至少需要一张照片。"
DESC_BAD = "描述请在 2-300 字以内。"
DESC_TOO_LONG = "描述最多 300 字（这段有 {length} 字），没有记下，稍后请重新输入。\n"
NO_BUILDING = _NO_BUILDING + "请发送位置。"
NOT_USABLE = "这条消息用不上。{prompt}"
EXPIRED = "上次的随手拍超过 30 分钟没有继续，已作废。请重新发照片或回复「随手拍」开始。"
# Said to a late answer (确认, 是, a digit…) after the conversation timed out.
DRAFT_EXPIRED = "您的随手拍草稿已超过 {minutes} 分钟未完成，已失效。{desc}重新上报请发照片或回复「随手拍」。"
DRAFT_EXPIRED_DESC = "描述是：{desc}。"
CARD = "照片：{photos} 张\n位置：{address}\n描述：{desc}\n分类：{category}"
NO_DESC = "（未填写）"

ASK_DUP = ("附近已经有人上报了同类问题，是不是这个？\n{card}\n"
           "回复「是」为它 +1（不再新建）；回复「不是」提交新的上报。")
DUP_PROMPT = "回复「是」为已有上报 +1，回复「不是」提交新的上报。"
# The submit reply, naming who has the case (queries.who_has).
SUBMITTED_TO = ("上报成功！编号 {number}。\n已派给{holder}处理，进展会通知您。"
                "回复「查 {number}」随时查看进度。")
# The chat's +1 answers: the form's (FORM_SUPPORTED, above) and a 查 hint.
SUPPORTED = FORM_SUPPORTED + "\n回复「查 {number}」查看进度。"
ALREADY_SUPPORTED = FORM_ALREADY_SUPPORTED + "回复「查 {number}」查看。"
OWN_CASE = "这是您自己上报的 {number}，正在处理中。回复「查 {number}」查看进度。"

# -- 我的上报 / 查 ----------------------------------------------------------------------------
MINE_EMPTY = "您还没有上报过问题。发现问题？直接发一张照片即可上报。"
MINE_HEAD = "您的上报（最近 {count} 件）："
MINE_LINE = "{number} {category} · {status}{role}"
MINE_SUPPORTER = "（+1）"
MINE_TAIL = "回复「查 编号」查看详情，例如：查 {number}"
LOOKUP_HINT = "请在「查」后面加上案件编号，例如：查 A1001"
UNKNOWN_CASE = "没有找到案件 {number}，请核对编号。"
NOT_YOURS = "只能查看您自己上报或 +1 过的案件。"

# -- after resolution: 满意 / 不满意 / 1-5 / 没修好 ---------------------------------------------
ASK_FEEDBACK = ("您上报的 {number} 已处理完毕，请确认：回复「满意」「不满意」，或「1分」到「5分」评分；"
                "问题没有解决请回复「没修好」。72 小时内未回复将自动确认办结。")
NOTHING_TO_CONFIRM = "您目前没有待确认的上报。回复「我的上报」查看进度。"
WHICH_CASE = "您有多件待确认的上报（{numbers}），请在后面加上编号，例如：{keyword} {first}"
NOT_RESOLVED = "{number} 目前不是待确认状态（{status}）。"
ONLY_REPORTER = "只有上报人可以确认 {number}。"
RATING_BAD = "评分请用 1-5 分，例如：评分 5（或直接回复「5分」）。"
FEEDBACK_HINT = "请直接回复「{keyword}」，或加上案件编号，例如：{keyword} A1001"
CONFIRMED = "感谢确认！{number} 已办结，您的评分：{rating} 分。"
CONFIRMED_LOW = "已记录您的评价（{rating} 分），{number} 已办结。我们会改进工作，谢谢您的反馈。"
REOPENED = "抱歉！{number} 已重新打开并重新派单，同时已上报督办。进展会通知您。"
N_REOPENED_STAFF = "【督办】{number} 居民反馈「没修好」，已重新打开（第 {count} 次），请尽快接单处理。"
N_AUTO_CONFIRMED = "{number} 处理完成后 72 小时未收到反馈，已自动确认办结。感谢参与！"
N_POINTS = "{number} 已办结，您获得 {points} 积分。回复「积分」查看。"

# -- progress pushes (notify.resident_progress) ---------------------------------------------
# Short state names: subscribe messages allow 5 characters in a "phrase" field.
PUSH_STATUS = {
    CaseStatus.SUBMITTED: "已提交",
    CaseStatus.DISPATCHED: "待受理",
    CaseStatus.ACCEPTED: "已受理",
    CaseStatus.IN_PROGRESS: "处理中",
    CaseStatus.REVIEWING: "待核查",
    CaseStatus.RESOLVED: "已办结",
    CaseStatus.CLOSED: "已完结",
    CaseStatus.REOPENED: "重新办理",
    CaseStatus.MERGED: "已合并",
    CaseStatus.REJECTED: "未受理",
    CaseStatus.HIDDEN: "已隐藏",
}
PUSH_TITLE = "随手拍 {number}"
PUSH_HEAD = "您关注的问题 {number} 有新进展（当前：{status}）："

# -- the form (service.intake) and +1 (service.support): the mini-program's refusals -------------
FORM_BOTH_PLACES = "位置请二选一：地图上的位置（lat/lng），或本楼（use_building）。"
FORM_NO_PLACE = "请提供问题所在的位置：地图上的位置（lat/lng），或本楼（use_building）。"
FORM_BAD_POINT = "位置的经纬度不正确。"
FORM_NO_BUILDING = _NO_BUILDING + "请在地图上选择位置。"
FORM_PHOTOS = "随手拍需要 1-3 张照片。"
FORM_LONG_DESCRIPTION = "描述请在 300 字以内。"
UNKNOWN_CATEGORY = "没有这个问题分类：{code}"
SUPPORT_OWN_CASE = "这是您自己上报的 {number}，不能为它 +1。"
SUPPORT_NOT_OPEN = "{number} 已不在办理中，不能再 +1。"
SUPPORT_NOT_NEARBY = ("您所在位置附近没有可以 +1 的案件 {number}。只能为附近同类、仍在办理中的问题 +1："
                      "请在问题所在的位置查看附近的上报。")

# -- the timeline's notes: 没修好 (service.feedback), SLA escalations (sla) ----------------------
REOPEN_ESCALATION = "没修好，第 {count} 次重办"
OVERDUE_NOTE = "{step}超时"
WHISTLE_NOTE = "，吹哨{department}"

# -- a case in chat (render): its card, state, timeline ---------------------------------------
STATUS_NAMES = {
    CaseStatus.SUBMITTED: "已上报",
    CaseStatus.DISPATCHED: "待受理",
    CaseStatus.ACCEPTED: "已受理",
    CaseStatus.IN_PROGRESS: "处理中",
    CaseStatus.REVIEWING: "待核查",
    CaseStatus.RESOLVED: "已办结，待评价",
    CaseStatus.CLOSED: "已完结",
    CaseStatus.REOPENED: "已退回重办",
    CaseStatus.MERGED: "已合并",
    CaseStatus.REJECTED: "已驳回",
    CaseStatus.HIDDEN: "已隐藏",
}
ACTION_NAMES = {
    "submit": "上报", "dispatch": "分拨", "accept": "接单", "start": "开始处理",
    "resolve": "处理完成", "confirm": "居民确认", "auto_confirm": "超时自动确认",
    "reopen": "居民反馈没修好", "reject": "驳回", "merge": "合并", "hide": "隐藏",
    "transfer": "转派（吹哨）", "escalate": "督办", "acknowledge": "物业报到",
    "support": "居民 +1", "comment": "备注", "photo": "照片",
    # The console's (指挥中心) steering and 核查: staff only, never shown to residents.
    "note": "内部备注", "supervise": "指挥中心督办", "remind": "催办",
    "resolve_review": "处理完成（待核查）", "review_ok": "核查通过", "review_back": "核查退回",
}
# Who has a case (queries.who_has): in public (Open311) the unit, never a person's name.
HOLDER_PUBLIC = "{role}（{unit}）"
HOLDER_GRID = "{grid} 网格"
RESPONSIBLE_NAMES = {"grid": "网格员", "property": "物业", "department": "职能部门"}
CASE_CARD = "{number}【{category}】{status}{overdue}\n位置：{where}\n描述：{description}\n上报：{at}{support}"
NO_DESCRIPTION = "（未填写）"
NO_ADDRESS = "（未填写）"
OVERDUE = "（已超时）"
SUPPORT = "　{count} 位居民 +1"
TIMELINE_HEAD = "{number} 办理进度："
TIMELINE_LINE = "{at} {action}{note}"
LIST_LINE = "{number}【{category}】{status}{overdue}｜{where}"

# -- the console (指挥中心): case sources, the CSV export (search), yes/no --------------------------
SOURCE_NAMES = {"chat": "公众号", "miniapp": "小程序", "open311": "Open311",
                "hotline": "12345热线", "visit": "走访"}  # CaseSource values
CSV_HEADER = ["编号", "状态", "类别", "社区", "网格", "地址", "描述", "来源", "上报时间",
              "受理时间", "办结时间", "完结时间", "超时", "评价"]
YES, NO = "是", "否"
