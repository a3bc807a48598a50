"""WeChat callback fields ⇄ plain ``Inbound`` values and passive-reply XML.

The XML is parsed once, safely, by ``bot.xmlsafe``; this module reads the flat fields
WeChat documents for each message type and event.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from datetime import UTC, datetime

from bot.xmlsafe import BadXml, Fields
from handlers.inbound import Inbound, Kind, SubscribeChoice
from handlers.normalize import normalize

_EVENTS = {
    "subscribe": Kind.SUBSCRIBE,
    "unsubscribe": Kind.UNSUBSCRIBE,
    "scan": Kind.SCAN,
    "click": Kind.CLICK,
    "view": Kind.VIEW,
    "location": Kind.REPORT_LOCATION,
    "subscribe_msg_popup_event": Kind.SUBSCRIBE_MSG_POPUP,
    "subscribe_msg_change_event": Kind.SUBSCRIBE_MSG_CHANGE,
    "subscribe_msg_sent_event": Kind.SUBSCRIBE_MSG_SENT,
}
# The element holding each subscription-notice event's <List> items.
_CHOICE_LISTS = {
    Kind.SUBSCRIBE_MSG_POPUP: "SubscribeMsgPopupEvent",
    Kind.SUBSCRIBE_MSG_CHANGE: "SubscribeMsgChangeEvent",
    Kind.SUBSCRIBE_MSG_SENT: "SubscribeMsgSentEvent",
}
_MAX_CHOICES = 20
# WeChat openids are 28 characters of these; an Official Account's id is gh_ and 12 hex digits.
# Anything longer or stranger is not from WeChat, and never reaches storage or a log.
_ACCOUNT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_NUMBER_CHARS = 32  # "43.886012345678" is 15


class BadSender(BadXml):
    """FromUserName or ToUserName is not a WeChat id (the value is never repeated)."""


class BadLocation(BadXml):
    """Coordinates that are not a place on Earth; ``answer``: a message the person sent
    (they are told), not an automatic location report (ignored)."""

    def __init__(self, message: str, answer: bool) -> None:
        super().__init__(message)
        self.answer = answer


_MESSAGES = {
    "text": Kind.TEXT,
    "image": Kind.IMAGE,
    "location": Kind.LOCATION,
    "voice": Kind.VOICE,
    "video": Kind.VIDEO,
    "shortvideo": Kind.VIDEO,
    "link": Kind.LINK,
}


def dedup_key(fields: dict[str, str]) -> str:
    """MsgId for messages; FromUserName + CreateTime + Event (+ EventKey) for events."""
    msg_id = fields.get("MsgId") or fields.get("MsgID")
    if msg_id:
        return f"m:{msg_id}"
    parts = [fields.get("FromUserName", ""), fields.get("CreateTime", ""),
             fields.get("Event", "")]
    if fields.get("EventKey"):
        parts.append(fields["EventKey"])
    return "e:" + ":".join(parts)


def _choices(fields: dict[str, str], kind: Kind) -> tuple[SubscribeChoice, ...]:
    """The templates of a subscription-notice event; BadXml when an item is not one."""
    lists = fields.lists if isinstance(fields, Fields) else {}
    items = lists.get(_CHOICE_LISTS[kind], [])
    if not items or len(items) > _MAX_CHOICES:
        raise BadXml("a subscription-notice event needs 1-20 <List> items")
    choices = []
    for item in items:
        template_id = item.get("TemplateId", "")
        if not _ACCOUNT_ID.fullmatch(template_id):
            raise BadXml("TemplateId is missing or not a template id")
        try:
            code = int(item.get("ErrorCode") or 0)
        except ValueError:
            raise BadXml("ErrorCode must be a number") from None
        status = item.get("SubscribeStatusString") or item.get("ErrorStatus") or ""
        choices.append(SubscribeChoice(template_id, status.strip().lower()[:64], code))
    return tuple(choices)


def _choices_key(choices: tuple[SubscribeChoice, ...]) -> str:
    """Two events of one second differ by their templates; a redelivery does not."""
    raw = "|".join(f"{c.template_id},{c.status},{c.error_code}" for c in choices)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _coordinate(fields: dict[str, str], name: str, limit: float, answer: bool) -> float:
    """A finite latitude (``limit`` 90) or longitude (180), else ``BadLocation``."""
    raw = (fields.get(name) or "").strip()
    try:
        value = float(raw) if len(raw) <= _NUMBER_CHARS else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or abs(value) > limit:
        raise BadLocation(f"{name} is not a coordinate", answer)
    return value


def check_ids(fields: dict[str, str]) -> str:
    """The sender's openid; ``BadSender`` for a missing or impossible sender or recipient."""
    openid, to = fields.get("FromUserName") or "", fields.get("ToUserName")
    if not _ACCOUNT_ID.fullmatch(openid):
        raise BadSender("FromUserName is not a WeChat openid")
    if to is not None and not _ACCOUNT_ID.fullmatch(to):
        raise BadSender("ToUserName is not a WeChat account id")
    return openid


def to_inbound(fields: dict[str, str]) -> Inbound:
    """The transport-free message; BadXml when a required field is missing or wrong."""
    openid, msg_type = check_ids(fields), (fields.get("MsgType") or "").strip().lower()
    if not msg_type:
        raise BadXml("FromUserName and MsgType are required")
    try:
        created = datetime.fromtimestamp(int(fields.get("CreateTime") or 0), UTC)
    except (ValueError, OverflowError, OSError):
        raise BadXml("CreateTime must be a Unix time") from None
    if msg_type == "event":
        kind = _EVENTS.get((fields.get("Event") or "").strip().lower(), Kind.OTHER)
    else:
        kind = _MESSAGES.get(msg_type, Kind.OTHER)
    common = {"kind": kind, "openid": openid, "dedup_key": dedup_key(fields),
              "created_at": created, "event_key": (fields.get("EventKey") or "").strip()}
    if kind is Kind.TEXT:
        content = fields.get("Content", "")
        return Inbound(text=normalize(content), typed=content.strip(), **common)
    if kind is Kind.IMAGE:
        return Inbound(media_id=fields.get("MediaId"), pic_url=fields.get("PicUrl"), **common)
    if kind is Kind.LOCATION:
        return Inbound(lat=_coordinate(fields, "Location_X", 90, True),
                       lng=_coordinate(fields, "Location_Y", 180, True),
                       label=fields.get("Label", ""), **common)
    if kind is Kind.REPORT_LOCATION:
        return Inbound(lat=_coordinate(fields, "Latitude", 90, False),
                       lng=_coordinate(fields, "Longitude", 180, False), **common)
    if kind in _CHOICE_LISTS:
        choices = _choices(fields, kind)
        common["dedup_key"] += ":" + _choices_key(choices)
        return Inbound(choices=choices, **common)
    if kind in (Kind.VOICE, Kind.VIDEO):
        return Inbound(media_id=fields.get("MediaId"),
                       text=normalize(fields.get("Recognition", "")), **common)
    return Inbound(**common)


def _cdata(value: str) -> str:
    """``value`` as CDATA; a ``]]>`` inside is split across two sections (wechatpy's
    renderer leaves it in, which ends the section early and breaks the document)."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def render_text(text: str, fields: dict[str, str]) -> str:
    """A passive text reply, addressed back to the sender: the document wechatpy's
    ``TextReply`` renders, written directly (a fortieth of a callback's CPU went to building
    and rendering the reply object)."""
    return ("<xml><ToUserName>" + _cdata(fields["FromUserName"]) + "</ToUserName>"
            "<FromUserName>" + _cdata(fields.get("ToUserName", "")) + "</FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime>"
            "<MsgType><![CDATA[text]]></MsgType>"
            "<Content>" + _cdata(text) + "</Content></xml>")
