"""WeChat's errcodes in words an operator can act on (English, for the CLI and ``linli doctor``)."""

from __future__ import annotations

from bot.wechat.errors import UNAVAILABLE, WeChatError

# The admin pages (mp.weixin.qq.com) as they are labelled there.
DEV, BASIC, WHITELIST = "设置与开发", "基本配置", "IP白名单"
BASIC_PAGE = f"{DEV} → {BASIC}"

HINTS: dict[int, str] = {
    UNAVAILABLE: "WeChat could not be reached: check the network, a proxy, and "
                 "LINLI_WECHAT_API_BASE",
    40013: "the AppID is wrong: set LINLI_WECHAT_APPID to the account's AppID "
           f"({BASIC_PAGE})",
    40125: f"the AppSecret is wrong: set LINLI_WECHAT_SECRET ({BASIC_PAGE} → AppSecret; "
           "resetting it there invalidates the old one)",
    40164: f"this machine's IP address is not in the API IP whitelist ({BASIC_PAGE} → "
           f"{WHITELIST}): add the outgoing address WeChat names in the message",
    61004: f"this machine's IP address is not in the API IP whitelist ({BASIC_PAGE} → "
           f"{WHITELIST})",
    48001: "the account may not call this API: it needs a certified service account",
    40016: "1-3 buttons at the top of the menu",
    40017: "a button's type is unknown",
    40018: "a button's name is longer than 16 bytes (4-5 Chinese characters)",
    40019: "a button's key is longer than 128 bytes",
    40020: "a button's url is empty or longer than 1024 bytes",
    40023: "1-5 sub-buttons under a button",
    40024: "a sub-button's type is unknown",
    40025: "a sub-button's name is longer than 60 bytes",
    40026: "a sub-button's key is longer than 128 bytes",
    40027: "a sub-button's url is empty or longer than 1024 bytes",
    40033: "Chinese must be sent as UTF-8, not as \\uXXXX escapes",
    40054: "a sub-button's url is on a domain the account has not registered",
    40055: "a button's url is on a domain the account has not registered",
    40165: "a mini-program button's pagepath is not a page of that mini-program",
    40053: "the QR code's scene is wrong (1-64 characters)",
    45029: "the account has used all 100,000 permanent QR codes",
    45009: "today's call quota of this API is used up: try again tomorrow, or reset the quota "
           "in the admin pages",
    46003: "the account has no custom menu yet",
}


def describe(exc: WeChatError) -> str:
    """One line: WeChat's answer and what to do about it."""
    answer = exc.message.split(" rid:")[0].split(" hint:")[0].strip()
    head = f"{exc.code} {answer}" if exc.code != UNAVAILABLE else answer
    hint = HINTS.get(exc.code)
    return f"{head} ({hint})" if hint else head
