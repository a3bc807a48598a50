"""Everything the sandbox knows, in one object that tests and the service inspect and steer."""

from __future__ import annotations

import itertools
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.sandbox.codes import SandboxFail
from storage import clock

TOKEN_LIFETIME = timedelta(seconds=7200)
# In normal mode WeChat hands out a new token once the current one has less than this left;
# the old one keeps working until it expires.
TOKEN_RENEWAL = timedelta(minutes=5)
MEDIA_LIFETIME = timedelta(days=3)


@dataclass
class Media:
    """Temporary media: kept 3 days after ``created_at``."""

    kind: str
    filename: str
    content: bytes
    content_type: str
    created_at: datetime


@dataclass(frozen=True)
class QrCode:
    """A parametric QR code: what following through it tells the account (``scene``)."""

    appid: str
    scene: str
    ticket: str
    url: str  # what the code holds, as WeChat's http://weixin.qq.com/q/...
    expires_at: datetime | None  # None: permanent


@dataclass
class LoginCode:
    openid: str
    unionid: str | None
    issued_at: datetime
    used: bool = False


class SandboxState:
    """The fake WeChat's memory: tokens, people's windows and grants, media, what was sent."""

    def __init__(
        self,
        appid: str,
        secret: str,
        templates: Iterable[str] = (),
        cs_limit: int = 5,
        latency: float = 0.0,
    ) -> None:
        self.appid = appid  # the Official Account
        self.secret = secret
        # Every app the sandbox plays (AppID -> AppSecret): the Official Account, and the
        # mini-program when it is its own app (``add_app``).
        self.apps: dict[str, str] = {appid: secret}
        # (AppID, openid) -> UnionID: one person in several apps, as the open platform binds.
        self.unionids: dict[tuple[str, str], str] = {}
        self.templates: set[str] = set(templates)
        self.cs_limit = cs_limit
        self.latency = latency
        self.tokens: dict[str, datetime] = {}  # every token still known -> its expiry
        self.token_app: dict[str, str] = {}  # token -> the AppID it was issued to
        self.current_tokens: dict[str, str] = {}  # AppID -> its newest token
        self.tokens_issued = 0
        self.forced_refreshes = 0
        self.calls: Counter[str] = Counter()  # WeChat path -> requests received
        self.sent: list[dict[str, Any]] = []  # delivered messages, oldest first
        self.media: dict[str, Media] = {}
        self.inbound: dict[str, datetime] = {}  # openid -> their last message to the account
        self.cs_sent: Counter[str] = Counter()  # openid -> CS messages since that message
        self.unfollowed: set[str] = set()
        self.grants: Counter[tuple[str, str]] = Counter()  # (openid, template_id) -> left
        # Long-term grants (长期订阅): a send does not use them up.
        self.long_term: set[tuple[str, str]] = set()
        # The subscription-notice / subscribe-message templates the apps have picked.
        self.subscribe_templates: set[str] = set()
        self.login_codes: dict[str, LoginCode] = {}
        # jscode2session calls allowed a minute (None: no limit); past it WeChat says 45011.
        self.login_limit: int | None = None
        self._login_window: tuple[datetime, int] | None = None  # (its start, calls in it)
        # The custom menu each app pushed (menu/create), as WeChat stores it.
        self.menus: dict[str, dict[str, Any]] = {}
        self.qrcodes: dict[str, QrCode] = {}  # ticket -> the code
        self._failures: list[list[Any]] = []  # [path_suffix, errcode, times left]
        self._msgids = itertools.count(2_000_000_001)

    @property
    def current_token(self) -> str | None:
        """The Official Account's newest token."""
        return self.current_tokens.get(self.appid)

    # -- steering: what WeChat would learn from elsewhere -------------------------------------

    def add_app(self, appid: str, secret: str) -> None:
        """Play one more app (the mini-program): its own credentials and tokens."""
        self.apps[appid] = secret

    def set_unionid(self, appid: str, openid: str, unionid: str) -> None:
        """``openid`` of app ``appid`` is the person ``unionid`` (the open platform's binding)."""
        self.unionids[appid, openid] = unionid

    def unionid_of(self, appid: str, openid: str) -> str | None:
        return self.unionids.get((appid, openid))

    def observe_inbound(self, openid: str) -> None:
        """The person just messaged the account: their 48 h customer-service window restarts."""
        self.inbound[openid] = clock.now()
        self.cs_sent[openid] = 0
        self.unfollowed.discard(openid)

    def set_following(self, openid: str, following: bool) -> None:
        """Follow (default) or unfollow the account."""
        (self.unfollowed.discard if following else self.unfollowed.add)(openid)

    def grant_subscribe(self, openid: str, template_id: str, count: int = 1,
                        long_term: bool = False) -> None:
        """The person accepted ``count`` more one-time subscribe messages of ``template_id``
        (``long_term``: a long-term template, not used up by sends)."""
        self.subscribe_templates.add(template_id)
        self.grants[openid, template_id] += count
        if long_term:
            self.long_term.add((openid, template_id))

    def withdraw_subscribe(self, openid: str, template_id: str) -> None:
        """The person turned the template off in their notice settings."""
        self.grants[openid, template_id] = 0
        self.long_term.discard((openid, template_id))

    def use_grant(self, openid: str, template_id: str) -> bool:
        """Send one message on the person's grant: False when none is left (43101)."""
        if self.grants[openid, template_id] <= 0:
            return False
        if (openid, template_id) not in self.long_term:
            self.grants[openid, template_id] -= 1
        return True

    def answer_popup(self, openid: str, answers: dict[str, str], long_term: bool = False,
                     to: str = "gh_linli") -> str:
        """The person answers an Official Account's subscription pop-up ({template_id:
        "accept" | "reject"}): WeChat records the accepted grants and sends the account
        this ``subscribe_msg_popup_event`` callback (returned, to post to the webhook)."""
        from bot import callbacks

        for template_id, status in answers.items():
            if status == "accept":
                self.grant_subscribe(openid, template_id, long_term=long_term)
        return callbacks.subscribe_popup(openid, answers, to=to)

    def issue_login_code(self, openid: str, unionid: str | None = None) -> str:
        """A mini-program ``wx.login()`` code for ``openid``: works once, for 5 minutes."""
        code = secrets.token_urlsafe(24)
        self.login_codes[code] = LoginCode(openid, unionid, clock.now())
        return code

    def add_media(
        self,
        content: bytes,
        content_type: str = "image/jpeg",
        kind: str = "image",
        filename: str = "media.jpg",
    ) -> str:
        """Store media as if a person had sent it (their photo's MediaId); returns its id."""
        media_id = secrets.token_urlsafe(48)
        self.media[media_id] = Media(kind, filename, content, content_type, clock.now())
        return media_id

    def count_login_call(self, window: timedelta) -> bool:
        """Count one jscode2session call; False once ``login_limit`` calls used this window."""
        if self.login_limit is None:
            return True
        now = clock.now()
        start, count = self._login_window or (now, 0)
        if now - start >= window:
            start, count = now, 0
        self._login_window = (start, count + 1)
        return count < self.login_limit

    def scan(self, url: str) -> str | None:
        """What a phone scanning a code holding ``url`` tells the account: the scene of a
        live code (the follow event's ``qrscene_<scene>``), or None."""
        for code in self.qrcodes.values():
            if code.url == url and (code.expires_at is None or code.expires_at > clock.now()):
                return code.scene
        return None

    @property
    def menu(self) -> dict[str, Any] | None:
        """The Official Account's custom menu, if one was pushed."""
        return self.menus.get(self.appid)

    def fail_next(self, path_suffix: str, errcode: int, times: int = 1) -> None:
        """The next ``times`` requests whose path ends with ``path_suffix`` get ``errcode``."""
        self._failures.append([path_suffix, errcode, times])

    # -- used by the handlers ------------------------------------------------------------------

    def live_media(self, media_id: str | None) -> Media | None:
        """The media if it exists and is younger than 3 days."""
        media = self.media.get(media_id or "")
        if media is None or clock.now() - media.created_at > MEDIA_LIFETIME:
            return None
        return media

    def take_failure(self, path: str) -> int | None:
        """The errcode injected for this request, if any (using one of its ``times``)."""
        for failure in self._failures:
            if path.endswith(failure[0]) and failure[2] > 0:
                failure[2] -= 1
                return int(failure[1])
        return None

    def issue_token(self, force: bool, appid: str | None = None) -> tuple[str, int]:
        """stable_token for ``appid`` (default: the Official Account): the still-valid token,
        or a new one (forced: that app's old ones die)."""
        appid = appid or self.appid
        now = clock.now()
        current = self.current_tokens.get(appid)
        if not force and current is not None and self.tokens[current] - now > TOKEN_RENEWAL:
            return current, int((self.tokens[current] - now).total_seconds())
        if force:
            for old in [t for t, app in self.token_app.items() if app == appid]:
                self.tokens.pop(old, None)
                self.token_app.pop(old, None)
            self.forced_refreshes += 1
        token = secrets.token_urlsafe(96)
        self.tokens[token] = now + TOKEN_LIFETIME
        self.token_app[token] = appid
        self.current_tokens[appid] = token
        self.tokens_issued += 1
        return token, int(TOKEN_LIFETIME.total_seconds())

    def check_token(self, token: str | None) -> str:
        """The AppID ``token`` was issued to; WeChat's error for a missing, unknown or
        expired access_token."""
        if not token:
            raise SandboxFail(41001)
        expiry = self.tokens.get(token)
        if expiry is None:
            raise SandboxFail(40001)
        if expiry <= clock.now():
            raise SandboxFail(42001)
        return self.token_app.get(token, self.appid)

    def record(self, endpoint: str, openid: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Note a delivered message."""
        entry = {
            "seq": len(self.sent) + 1,
            "time": clock.now(),
            "endpoint": endpoint,
            "openid": openid,
            "payload": payload,
        }
        self.sent.append(entry)
        return entry

    def next_msgid(self) -> int:
        return next(self._msgids)

    def messages_for(self, openid: str, since: int = 0) -> list[dict[str, Any]]:
        """Messages delivered to ``openid`` with a sequence number above ``since``."""
        return [m for m in self.sent[since:] if m["openid"] == openid]
