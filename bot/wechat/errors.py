"""WeChat API errors: one class per errcode family, chosen by ``error_for``.

Callers decide by class, never by parsing ``errmsg``:

- ``TokenExpired``: the access_token was rejected; the client refreshes once and retries once.
- ``QuotaError``: the channel refuses (window closed, count used up, no grant, not following);
  fall back to another channel, never retry.
- ``TransientError`` (``SystemBusy``, ``WeChatUnavailable``): try again later.
- anything else: a bug or a bad input; retrying will not help.
"""

from __future__ import annotations

# Not a WeChat errcode: no usable answer came back (network error, timeout, HTTP error, bad body).
UNAVAILABLE = -2
# menu/get when the account has no custom menu: "menu no exist".
MENU_NONE = 46003


class WeChatError(Exception):
    """An errcode other than 0 from ``endpoint`` (``code`` and WeChat's ``message`` kept as is)."""

    def __init__(self, code: int, message: str, endpoint: str) -> None:
        super().__init__(f"{endpoint}: {code} {message}")
        self.code = code
        self.message = message
        self.endpoint = endpoint


class TokenExpired(WeChatError):
    """40001 / 42001 / 40014: the access_token is invalid, not the latest, or expired."""


class InvalidCredential(WeChatError):
    """40013 / 40125: the AppID or AppSecret is wrong (a configuration error)."""


class QuotaError(WeChatError):
    """The channel refuses this message for this person: use another channel, never retry."""


class ApiFrequencyLimit(QuotaError):
    """45009 "reach max api daily quota limit"."""


class OutOfWindow(QuotaError):
    """45015: no message from the person in the last 48 h, or they unfollowed."""


class CustomerServiceLimit(QuotaError):
    """45047 "out of response count limit": too many messages since their last one."""


class NotFollowing(QuotaError):
    """43004 "require subscribe": the person does not follow the account."""


class SubscribeRefused(QuotaError):
    """43101 "user refuse to accept the msg": no subscribe grant left for this template."""


class TransientError(WeChatError):
    """Worth trying again later."""


class MinuteQuota(TransientError):
    """45011 "api minute-quota reach limit": too many calls this minute; try in a minute."""


class SystemBusy(TransientError):
    """-1 "system error": WeChat is busy; the client retries with backoff."""


class WeChatUnavailable(TransientError):
    """No usable answer: network error, timeout, HTTP error status or an unreadable body."""

    def __init__(self, message: str, endpoint: str) -> None:
        super().__init__(UNAVAILABLE, message, endpoint)


class InvalidMedia(WeChatError):
    """40007 "invalid media_id": unknown or expired (temporary media lives 3 days)."""


class InvalidCode(WeChatError):
    """40029 "invalid code": unknown or expired mini-program login code."""


class CodeUsed(WeChatError):
    """40163 "code been used": a login code works once."""


_BY_CODE: dict[int, type[WeChatError]] = {
    -1: SystemBusy,
    40001: TokenExpired,
    42001: TokenExpired,
    40014: TokenExpired,
    40013: InvalidCredential,
    40125: InvalidCredential,
    45009: ApiFrequencyLimit,
    45011: MinuteQuota,
    45015: OutOfWindow,
    45047: CustomerServiceLimit,
    43004: NotFollowing,
    43101: SubscribeRefused,
    40007: InvalidMedia,
    40029: InvalidCode,
    40163: CodeUsed,
}


def error_for(code: int, message: str, endpoint: str) -> WeChatError:
    """The exception for ``code`` (``WeChatError`` itself for codes without a class)."""
    return _BY_CODE.get(code, WeChatError)(code, message, endpoint)
