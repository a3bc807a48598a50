"""linli's own async WeChat API client (wechatpy's synchronous client is never used)."""

from bot.wechat.client import MessageData, WeChatClient
from bot.wechat.errors import (
    ApiFrequencyLimit,
    CodeUsed,
    CustomerServiceLimit,
    InvalidCode,
    InvalidCredential,
    InvalidMedia,
    NotFollowing,
    OutOfWindow,
    QuotaError,
    SubscribeRefused,
    SystemBusy,
    TokenExpired,
    TransientError,
    WeChatError,
    WeChatUnavailable,
    error_for,
)
from bot.wechat.retry import RetryPolicy
from bot.wechat.token import TokenPolicy

__all__ = [
    "ApiFrequencyLimit",
    "CodeUsed",
    "CustomerServiceLimit",
    "InvalidCode",
    "InvalidCredential",
    "InvalidMedia",
    "MessageData",
    "NotFollowing",
    "OutOfWindow",
    "QuotaError",
    "RetryPolicy",
    "SubscribeRefused",
    "SystemBusy",
    "TokenExpired",
    "TokenPolicy",
    "TransientError",
    "WeChatClient",
    "WeChatError",
    "WeChatUnavailable",
    "error_for",
]
