"""What the bot says about points and redemptions in chat, in Simplified Chinese.

Refusals raised by the ledger (too few points, out of stock, unknown code, ...) are worded in
``rewards/texts.py``; this file holds the chat's own sentences around them.
"""

YES_WORDS = ("确认", "确定", "确认兑换", "是", "是的", "好", "好的", "ok", "OK")

# -- 积分 -------------------------------------------------------------------------------------
BALANCE = "您的积分：可用 {available} 分"
BALANCE_RESERVED = "（另有 {reserved} 分已预留给待领取的兑换）"
HISTORY_HEAD = "最近记录："
HISTORY_LINE = "{day} {amount:+d} {what}"
HISTORY_EMPTY = "还没有积分记录。参与随手拍、微心愿等社区活动，核实后即可获得积分。"
BALANCE_TAIL = "回复「兑换」查看可兑换的礼品，「我的兑换」查看核销码。"
WHAT_WITH_REASON = "{label}（{reason}）"

# -- 兑换: the catalogue ------------------------------------------------------------------------
CATALOGUE_HEAD = "可兑换的礼品："
CATALOGUE_LINE = "{id}. {name}　{cost} 分｜剩 {stock} 件{limit}｜领取：{place}"
CATALOGUE_LIMIT = "｜每人限 {limit} 件"
CATALOGUE_MORE = "（共 {total} 件礼品，这里列出前 {shown} 件）"
CATALOGUE_TAIL = "您当前可用 {available} 分。回复「兑换 编号」兑换，例如：兑换 {example}"
CATALOGUE_EMPTY = "目前没有可兑换的礼品，请留意社区通知。您当前可用 {available} 分。"

# -- 兑换 3: the conversation -------------------------------------------------------------------
BAD_NUMBER = "请在「兑换」后面写礼品编号（数字），例如：兑换 3。回复「兑换」查看礼品列表。"
SEE_CATALOGUE = "\n回复「兑换」查看其他礼品。"
ASK_CONFIRM = (
    "您要兑换：{name}\n"
    "需要积分：{cost} 分（当前可用 {available} 分，兑换后剩 {after} 分）\n"
    "领取地点：{place}\n"
    "回复「确认」兑换，回复「取消」放弃。"
)
CONFIRM_PROMPT = "请回复「确认」兑换这件礼品。"
REDEEMED = (
    "兑换成功！\n"
    "礼品：{name}（{cost} 分）\n"
    "核销码：{code}\n"
    "请在 {until} 前到{place}出示核销码领取，逾期未领取将自动取消并退回积分。\n"
    "当前可用 {available} 分。回复「我的兑换」可随时查看核销码。"
)
NOT_REDEEMED = "\n本次没有兑换，积分未扣除。"

# -- 我的兑换 -----------------------------------------------------------------------------------
MINE_HEAD = "我的兑换："
MINE_PENDING = "{name}（{cost} 分）{status}，核销码 {code}，请在 {until} 前到{place}领取"
MINE_LAPSING = "{name}（{cost} 分）已过期，积分即将退回"
MINE_PICKED_UP = "{name}（{cost} 分）{status}（{day}，核销码 {code}）"
MINE_EXPIRED = "{name}（{cost} 分）{status}，积分已退回"
MINE_EMPTY = "您还没有兑换记录。回复「兑换」查看可兑换的礼品。"

# -- 核销 123456 (staff at the service station) -------------------------------------------------
PICKUP_BAD_CODE = "核销码是六位数字，例如：核销 123456"
PICKUP_OWN = "不能核销自己的兑换，请由服务站其他工作人员核销。"
PICKUP_NOT_STAFF = "核销仅限社区服务站的工作人员（网格员、管理员）。"
PICKUP_LOCKED = (
    "核销码错误次数过多，为防止核销码被猜中，您的核销已暂停，请 {minutes} 分钟后再试。"
    "如确有需要，请联系社区管理员。"
)
PICKUP_OK = (
    "核销成功：{name}（{cost} 分），核销码 {code}。\n"
    "兑换人：{who}。请把礼品交给兑换人。"
)
NO_NAME = "居民（未登记姓名）"

# -- pushed through the outbox ----------------------------------------------------------------
N_PICKED_UP = "您兑换的「{name}」已在{place}领取（核销码 {code}），使用 {cost} 积分。感谢您参与社区建设！"
N_LAPSED = (
    "您兑换的「{name}」（核销码 {code}）超过 {days} 天未领取，已自动取消：{cost} 积分已退回您的账户，"
    "礼品已放回库存。回复「积分」查看余额，「兑换」重新兑换。"
)
N_EXPIRY_REMINDER = (
    "温馨提示：您有 {amount} 积分有效期至 {valid_until}，到期后将自动清零，"
    "请尽快兑换。回复「兑换」查看可兑换的礼品。"
)
N_POINTS_EXPIRED = "您有 {amount} 积分已过期（积分有效期至获得次年年底）。回复「积分」查看余额。"

# -- the console's 积分 pages (handlers.points.station) ------------------------------------------
NO_SUCH_PERSON = "没有找到这个人（openid），也没有他的积分账户。"
