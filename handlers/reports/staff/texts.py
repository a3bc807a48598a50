"""What the bot says to staff (and to residents about staff actions) on 随手拍, in zh-CN."""

# A case number that names nothing: report_texts.UNKNOWN_CASE, the residents' words.

# -- notifications to staff (outbox) ---------------------------------------------------------
DISPATCHED = ("【新案件】{card}\n{photos}\n时限：{accept_due}前受理，{resolve_due}前办结。\n"
              "回复「接单 {number}」受理；不归您管请回复「驳回 {number} 原因」或"
              "「转派 {number} 物业/部门」。")
PROPERTY_NOTICE = ("【物业请报到】{card}\n{photos}\n该问题在贵小区、属物业负责，"
                   "请回复「报到 {number}」确认，{accept_due}前受理。")
COPY_NOTICE = "【抄送】{card}\n已分拨给{label}处理，请关注。"
TRANSFERRED_TO = ("【吹哨转派】{card}\n{photos}\n由{by}转派给您：{reason}\n"
                  "回复「接单 {number}」受理，办结后回复「完成 {number}」并发送照片。")
ESCALATED = "【超时督办】{card}\n{step}已超时（时限 {due}），当前负责：{who}。请督促处理。"
ESCALATED_ASSIGNEE = "【超时提醒】{number} {step}已超时（时限 {due}），请尽快处理。"
WHISTLE = "【吹哨报到】{card}\n{photos}\n{step}已超时，请{department}协同处置。"
STEP_ACCEPT = "受理"
STEP_RESOLVE = "办结"
# The photos go as image messages (customer-service, inside the 48 h window); the card counts
# them and says how to see them again.
PHOTO_COUNT = "照片 {count} 张（在对话中回复「案件 {number}」查看）"
PHOTO_SENDING = "照片 {count} 张（随后以图片发到对话中）"
AFTER_PHOTO_SENDING = "处理后照片 {count} 张（随后以图片发到对话中）"
PHOTO_NONE = "照片：无"
NOTICE_TITLE = "案件 {number}"  # subscribe and template messages: what it is about

# -- what residents hear (through notify.resident_progress) ----------------------------------
R_ACCEPTED = "您反映的问题 {number} 已受理，{who}正在跟进。"
R_STARTED = "您反映的问题 {number} 正在处理中。"
R_RESOLVED = ("您反映的问题 {number} 已处理完成{note}。\n请回复「满意」「不满意」，或用「1分」到「5分」评价；"
              "如果没修好，请回复「没修好」。72 小时内未回复将自动确认。")
R_REJECTED = "您反映的问题 {number} 未予受理：{reason}\n建议联系：{referral}"
R_TRANSFERRED = "您反映的问题 {number} 已转交{label}处理。"
R_ACKNOWLEDGED = "您反映的问题 {number} 物业已报到，正在处理。"
R_ESCALATED = "您反映的问题 {number} 处理超时，已提请{whom}督办。"
R_SUPERVISOR = "社区"

# -- chat replies to staff -------------------------------------------------------------------
BAD_NUMBER = "请在「{keyword}」后面加上案件编号，例如：{keyword} A1234"
NOT_YOURS = "案件 {number} 不归您处理（只有被指派的工作人员、本网格网格员或管理员可以操作）。"
WRONG_STATE = "案件 {number} 当前状态为「{status}」，不能{action}。"
ACCEPTED = "已受理 {number}。处理中可回复「处理中 {number}」，办结后回复「完成 {number}」并发送照片。"
STARTED = "已标记 {number} 为处理中。办结后回复「完成 {number}」并发送处理后的照片。"
ASK_AFTER_PHOTO = "请发送一张 {number} 处理后的现场照片（必须有照片才能办结）。"
NEED_AFTER_PHOTO = "办结必须附处理后的现场照片，请直接发送照片；回复「取消」可退出。"
RESOLVED = "{number} 已办结，已请居民确认评价。"
NEED_REASON = "请写明驳回原因和应找的单位，例如：驳回 {number} 属供热公司负责，请拨打 12345"
REJECTED = "已驳回 {number}，已告知居民：{reason}"
TRANSFER_HOW = "请写明转给谁：转派 {number} 物业，或 转派 {number} 部门"
NO_COMPOUND = "{number} 不在任何小区内，或该小区物业尚未绑定账号，无法转派物业。"
NO_DEPARTMENT = "{number} 的类别没有对应的职能部门，或该部门尚未绑定账号，无法转派部门。"
ALREADY_THERE = "{number} 已经由{label}负责。"
TRANSFERRED = "已把 {number} 转派给{label}（吹哨），对方已收到通知。"
NOT_PROPERTY_CASE = "{number} 不是贵物业负责的案件，无需报到。"
ALREADY_ACKNOWLEDGED = "{number} 已于 {at} 报到过了。"
ACKNOWLEDGED = "已报到 {number}，请尽快处理，办结后回复「完成 {number}」并发送照片。"
TODO_HEAD = "您的待办（{count} 件，最急的在前）："
TODO_LINE = "{line}｜{due}"
TODO_DUE = "{what}时限 {at}"
TODO_EMPTY = "目前没有待办案件。"
TODO_MORE = "……还有 {more} 件，请在管理后台查看。"
CASE_HEAD = "{card}\n负责：{who}\n{photos}"
CASE_AFTER_PHOTOS = "\n{photos}"
REFERRAL = "{reason}（职能部门：{department}）"  # a rejection's note to the resident

# -- the console's steering (steer: 派单/转派, 督办, 催办, 隐藏, 核查, internal notes) ---------------
ASSIGNED_TO = ("【派单】{card}\n{photos}\n由{by}派给您：{reason}\n"
               "回复「接单 {number}」受理，办结后回复「完成 {number}」并发送照片。")
ASSIGN_NOTE = "派单至{label}"
TRANSFER_NOTE = "转派至{label}"
SUPERVISED = ("【督办】{card}\n{by}督办：{note}\n当前负责：{who}。"
              "请尽快处理，办结后回复「完成 {number}」并发送照片。")
REMINDED = "【催办】{number} 请尽快处理（{by}催办）。当前状态：{status}。"
REVIEW_ASK = ("【待核查】{card}\n{by}已办结：{note}\n{photos}\n"
              "该案件须经核查后再请居民确认，请在指挥中心核查（通过或退回）。")
REVIEW_BACK = "【核查退回】{number} 的办结未通过核查（{by}）：{reason}\n请继续处理，办结后回复「完成 {number}」并发送照片。"
REVIEW_OK = "【核查通过】{number} 的办结已通过核查（{by}），已请居民确认评价。"
RESOLVED_FOR_REVIEW = "{number} 已办结，须经核查通过后再请居民确认评价。"
NOT_STEERING = "案件 {number} 不在您的管辖范围内（只有本社区管理员或街道管理员可以派单、督办、催办和隐藏）。"
NOT_STAFF_TARGET = "无法派给该人员：只能派给本网格网格员、网格 B 角、本小区物业、对应职能部门或本社区管理员。"
BAD_TARGET = "请选择派给谁：指定的工作人员、物业或职能部门。"
NOT_OPEN = "案件 {number} 当前状态为「{status}」，已不在办理中。"
NEED_NOTE = "请写明督办要求。"
NEED_HIDE_REASON = "请写明隐藏的原因。"
NEED_BACK_REASON = "请写明退回的原因。"
NEED_NOTE_TEXT = "请填写备注内容。"
NOTE_TOO_LONG = "备注请在 500 字以内。"
NO_ASSIGNEE = "案件 {number} 目前没有负责人，无法催办，请先派单。"
REMIND_TOO_SOON = "案件 {number} 已于 {at} 催办过，1 小时内不能重复催办。"
ALREADY_HIDDEN = "案件 {number} 已经隐藏。"
NOT_REVIEWING = "案件 {number} 当前状态为「{status}」，不是待核查状态。"
NOT_REVIEWER = "案件 {number} 不归您核查（只有能办理或管辖该案件的工作人员可以核查）。"
OWN_RESOLUTION = "案件 {number} 是您本人办结的，须由其他人核查。"
NOT_NOTER = "案件 {number} 不归您处理，不能添加备注。"
