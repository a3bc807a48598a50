"""Everything the bot says about 微心愿, in Simplified Chinese."""

from storage.core.models import WishKind, WishStatus

KINDS = [WishKind.GOODS, WishKind.HOME_SERVICE, WishKind.COMPANY, WishKind.REPAIR, WishKind.OTHER]
KIND_NAMES = {
    WishKind.GOODS: "生活用品",
    WishKind.HOME_SERVICE: "上门服务",
    WishKind.COMPANY: "陪伴",
    WishKind.REPAIR: "维修",
    WishKind.OTHER: "其他",
}
STATUS_NAMES = {
    WishStatus.SUBMITTED: "待审核",
    WishStatus.REJECTED: "已退回",
    WishStatus.OPEN: "待认领",
    WishStatus.CLAIMED: "已认领",
    WishStatus.FULFILLED: "待确认",
    WishStatus.CONFIRMED: "已确认",
    WishStatus.CLOSED: "已圆满完成",
    WishStatus.CANCELLED: "已撤销",
}
SKIP_WORDS = ("跳过", "无", "没有", "不用", "不需要", "略")
YES_WORDS = ("确认", "提交", "是", "好", "确定")

# -- 许愿: posting a wish --------------------------------------------------------------------
ASK_WHO = ("请问为谁发布心愿？回复「本人」；代没有微信的居民（如独居老人）发布，请回复受助人姓名。")
ASK_TITLE = "请用一句话说说心愿（30字以内），例如：想要一根结实的拐杖。"
ASK_DETAILS = "请补充一些细节（300字以内），例如身体情况、方便的时间；没有请回复「无」。"
ASK_KIND = "请选择心愿类别，回复数字：\n" + "\n".join(
    f"{i}. {KIND_NAMES[k]}" for i, k in enumerate(KINDS, 1))
ASK_PHOTO = "如有需要，请发送一张相关照片；没有请回复「跳过」。"
ASK_DATE = "希望在什么时候之前实现？例如：3月20日、2026-03-20、明天、一周内；没有要求请回复「不限」。"
ASK_ADDRESS = ("请填写地址（社区、楼栋、门牌），例如：繁荣社区 3号楼2单元501，也可以直接发送位置。"
               "地址只告诉认领心愿的志愿者。")
ASK_PHONE = "请留一个联系电话（只告诉认领心愿的志愿者）；不方便请回复「跳过」。"
CONFIRM_PROMPT = "回复「确认」提交心愿，回复「取消」放弃。"
CORRECTIONS_HINT = "需要修改请回复：改标题 / 改详情 / 改类别 / 改照片 / 改时间 / 改地址 / 改电话"
ASK_CONFIRM = "请核对心愿：\n{card}\n回复「确认」提交，回复「取消」放弃。\n" + CORRECTIONS_HINT
# Said to a late answer after the wish's draft timed out.
DRAFT_EXPIRED = "您的微心愿草稿已超过 {minutes} 分钟未完成，已失效。{title}重新发布请回复「许愿」。"
DRAFT_EXPIRED_TITLE = "标题是：{title}。"
NEED_TEXT = "这一步需要文字回复，照片或其他消息用不上。{prompt}"
NAME_LENGTH = "姓名请在 1-20 个字以内。"
NAME_BAD = NAME_LENGTH + ASK_WHO
TITLE_BAD = "心愿请在 2-30 个字以内。" + ASK_TITLE
DETAILS_BAD = "细节请在 300 字以内。" + ASK_DETAILS
KIND_BAD = "请回复 1-5 之间的数字。\n" + ASK_KIND
DATE_BAD = "没有看懂这个日期。" + ASK_DATE
DATE_PAST = "这个日期已经过去了。" + ASK_DATE
DATE_FAR = "日期请在一年以内。" + ASK_DATE
ADDRESS_BAD = "地址请在 4-100 个字以内。" + ASK_ADDRESS
PHONE_BAD = "电话号码格式不对，请回复 7-15 位数字，或回复「跳过」。"
NOT_FOR_OTHERS = "只有网格员和社区管理员可以代他人发布心愿。"
BAD_POINT = "位置的经纬度需要成对提供。"
SUBMITTED = "心愿 {number} 已提交！社区审核通过后会出现在心愿墙上，届时通知您。"
NO_DATE = "不限"

# -- cards and lists -------------------------------------------------------------------------
CARD = "{number}【{kind}】{title}\n细节：{details}\n为：{who}　社区：{community}\n期望：{due}"
CARD_PRIVATE = "受助人：{name}\n地址：{address}\n电话：{phone}"
DRAFT_ADDRESS = "地址：{address}"
DRAFT_PHONE = "电话：{phone}"
DRAFT_PHOTO = "照片：1 张"
DUE = "{date}前"
NOT_GIVEN = "未填"
WALL_LINE = "{number}【{kind}】{title}｜{community}｜{due}{distance}"
DISTANCE = "｜约{km}公里"
WALL_HEAD = "心愿墙（第 {page} 页）："
WALL_MORE = "回复「下一页」查看更多；回复「认领 编号」认领，例如：认领 {example}"
WALL_PROMPT = "回复「下一页」查看更多心愿。"
WALL_LAST = "回复「认领 编号」认领，例如：认领 {example}"
WALL_EMPTY = "心愿墙上暂时没有待认领的心愿，感谢您的热心！"
WALL_END = "已经是最后一页了。回复「心愿墙」从头查看。"
WALL_JOIN = "\n还不是志愿者？回复「志愿者注册」加入。"
VIEW = "{card}\n状态：{status}"
MINE_HEAD = "我的认领："
MINE_LINE = "{number}「{title}」{status}{until}"
MINE_UNTIL = "，{time} 前完成"
MINE_TAIL = "回复「查看心愿 编号」查看受助人联系方式。已圆满完成 {done} 个心愿。"
MINE_EMPTY = "您目前没有进行中的认领。已圆满完成 {done} 个心愿。回复「心愿墙」看看谁需要帮助。"
PENDING_HEAD = "待审核的心愿（{count} 个）："
PENDING_LINE = ("{number}【{kind}】{title}\n　{details}\n　地点：{place}\n"
                "　{community} · 发布人：{poster} · {time}")
PENDING_TAIL = "回复「通过 编号」或「退回 编号 原因」。"
PENDING_EMPTY = "目前没有待审核的心愿。"

# -- 志愿者注册 --------------------------------------------------------------------------------
ASK_V_NAME = "欢迎加入志愿者！请问您的姓名？"
ASK_V_PHONE = "请留一个联系电话（方便社区联系您）；不方便请回复「跳过」。"
ASK_V_SKILLS = "您有什么特长或能提供的帮助？例如：理发、维修、陪伴聊天、跑腿。"
ASK_V_COMMUNITY = "您所在的社区？例如：繁荣社区。"
ASK_V_PARTY = "您是党员吗？请回复「是」或「否」。"
ASK_V_LOCATION = "可以发送您的位置（点「+」→「位置」），方便为您推荐附近的心愿；不需要请回复「跳过」。"
V_NAME_BAD = NAME_LENGTH + ASK_V_NAME
V_SKILLS_BAD = "特长请在 1-60 个字以内。" + ASK_V_SKILLS
V_COMMUNITY_BAD = "社区名称请在 2-20 个字以内。" + ASK_V_COMMUNITY
ASK_V_COMMUNITY_PICK = "您所在的社区？请回复编号或名称：\n{choices}"
V_COMMUNITY_UNKNOWN = "没有「{text}」。" + ASK_V_COMMUNITY_PICK
V_PARTY_BAD = "请回复「是」或「否」。"
V_LOCATION_BAD = "请发送位置，或回复「跳过」。"
V_DONE = ("注册成功！{name}，感谢您加入{community}志愿者队伍{party}。\n"
          "回复「心愿墙」查看需要帮助的居民，「认领 编号」认领心愿。")
V_UPDATED = "志愿者信息已更新。回复「心愿墙」查看需要帮助的居民。"
V_PARTY = "（党员）"

# -- claims ----------------------------------------------------------------------------------
CLAIM_OK = ("认领成功！请在 {until} 前完成心愿 {number}「{title}」。\n{private}\n"
            "完成后回复「完成 {number}」并发送照片；无法完成请回复「放弃 {number}」。")
RELEASED = "已放弃心愿 {number}，它已重新回到心愿墙。感谢您的热心！"
ASK_PROOF = "请发送一张照片作为心愿 {number} 的完成凭证。"
PROOF_NEEDS_PHOTO = "这里需要一张照片作为完成凭证，文字代替不了照片，请发送照片。"
ASK_NOTE = "照片收到！请用一句话说明完成情况（例如：已把拐杖送到老人家中）；不想写请回复「跳过」。"
NOTE_BAD = "说明请在 100 字以内。" + ASK_NOTE
FULFILLED = "心愿 {number} 已标记完成，等待受助方确认。确认后积分将发放到您的账户，谢谢！"
CONFIRMED = "已确认心愿 {number} 实现，感谢志愿者{volunteer}！"
DISPUTED = "已告诉志愿者心愿 {number} 尚未完成，认领时限延长至 {until}。"
CANCELLED = "心愿 {number} 已撤销。"
APPROVED = "已通过心愿 {number}，它已出现在心愿墙上。"
REJECTED = "已退回心愿 {number}，已告知发布人。"

# -- refusals --------------------------------------------------------------------------------
BAD_NUMBER = "心愿编号是 W 加数字，例如：{keyword} W12"
UNKNOWN_WISH = "没有找到心愿 {number}，请核对编号。"
NEED_REASON = "请写明原因，例如：{keyword} {number} 信息不完整，请补充地址"
NOT_VOLUNTEER = "认领心愿需要先注册志愿者，请回复「志愿者注册」。"
OWN_WISH = "不能认领自己发布的心愿。"
TOO_MANY_CLAIMS = "您已有 {count} 个进行中的认领，请先完成或放弃后再认领新的心愿。"
NOT_OPEN = {
    WishStatus.SUBMITTED: "心愿 {number} 还在审核中，暂时不能认领。",
    WishStatus.REJECTED: "心愿 {number} 未通过审核，不能认领。",
    WishStatus.CLAIMED: "心愿 {number} 已被其他志愿者认领了，看看其他心愿吧。",
    WishStatus.CANCELLED: CANCELLED,
}
ALREADY_DONE = "心愿 {number} 已经实现了，看看其他心愿吧。"
ALREADY_YOURS = "您已经认领了心愿 {number}，请在 {until} 前完成。"
NOT_CLAIMANT = "只有认领心愿 {number} 的志愿者才能这样做。"
NOT_CLAIMED = "心愿 {number} 当前不在认领中（{status}）。"
NOT_FULFILLED = "心愿 {number} 还没有标记完成（{status}），暂时不能确认。"
NOT_CONFIRMER = "只有受助人、发布人或心愿所在网格的网格员才能确认心愿 {number}。"
NOT_CANCELLER = "只有发布人或社区管理员才能撤销心愿 {number}。"
CANNOT_CANCEL = "心愿 {number} {status}，不能撤销。"
NOT_SUBMITTED = "心愿 {number} 不在待审核状态（{status}）。"

# -- notifications (pushed through the outbox) ----------------------------------------------
N_NEW = "新的微心愿 {number} 待审核：{title}。回复「待审心愿」查看，「通过 {number}」或「退回 {number} 原因」。"
N_APPROVED = "您发布的心愿 {number}「{title}」已通过审核，已在心愿墙公开，有志愿者认领时会通知您。"
N_REJECTED = "很抱歉，您发布的心愿 {number}「{title}」未通过审核：{reason}。如有疑问请联系社区。"
N_CLAIMED = "好消息！志愿者{volunteer}认领了心愿 {number}「{title}」，将在 {until} 前完成。"
N_CLAIMED_GRID = "网格内心愿 {number}「{title}」已被志愿者{volunteer}认领，{until} 前完成。"
N_RELEASED = "志愿者放弃了心愿 {number}「{title}」，心愿已重新开放认领。"
N_REMIND = ("提醒：您认领的心愿 {number}「{title}」将于 {until} 到期。完成后回复「完成 {number}」"
            "并发送照片；无法完成请回复「放弃 {number}」。")
N_EXPIRED_VOLUNTEER = "您认领的心愿 {number}「{title}」已超过时限，认领已自动取消，心愿重新开放。"
N_EXPIRED_POSTER = "心愿 {number}「{title}」的认领已超时，心愿已重新开放，等待其他志愿者认领。"
N_FULFILLED = ("志愿者{volunteer}已完成心愿 {number}「{title}」：{note}\n请回复「确认心愿 {number}」确认；"
               "如未完成请回复「未完成 {number} 原因」。")
N_FULFILLED_GRID = ("网格内心愿 {number}「{title}」已由志愿者{volunteer}完成。可代受助人{name}回复"
                    "「确认心愿 {number}」确认。")
N_NO_NOTE = "（未附说明）"
N_CONFIRMED = "心愿 {number}「{title}」已确认实现，感谢您的付出！积分稍后到账。"
N_DISPUTED = "心愿 {number}「{title}」受助方反馈尚未完成：{reason}。认领时限延长至 {until}。"
N_CANCELLED = "您认领的心愿 {number}「{title}」已被撤销，无需继续，感谢您的热心！"
N_CLOSED = "心愿 {number} 圆满完成，您获得 {points} 积分！回复「积分」查看。"
N_CLOSED_NO_POINTS = "心愿 {number} 圆满完成，感谢您！本次没有积分（{why}）。"
WHY_NO_POINTS = {"reused_photo": "完成照片与其他记录重复", "daily_cap": "已达今日积分上限",
                 "weekly_cap": "已达本周积分上限"}

# -- what a command with a number and a reason looks like (arg_hint of the flows) -------------
HINT_NUMBER_AND_REASON = "心愿编号和原因"
HINT_REJECT = (HINT_NUMBER_AND_REASON, "退回 W12 信息不完整，请补充地址")
HINT_DISPUTE = (HINT_NUMBER_AND_REASON, "未完成 W12 拐杖还没送到")
