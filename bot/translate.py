"""WeChat callback fields ⇄ plain ``Inbound`` values and passive-reply XML.

The XML is parsed once, safely, by ``bot.xmlsafe``; this module reads the flat fields
WeChat documents for each message type and event.
"""

from __future__ import annotations

from datetime import UTC, datetime

from wechatpy.replies import TextReply

from bot.xmlsafe import BadXml
from handlers.inbound import Inbound, Kind
from handlers.normalize import normalize

_EVENTS = {
    "subscribe": Kind.SUBSCRIBE,
    "unsubscribe": Kind.UNSUBSCRIBE,
    "scan": Kind.SCAN,
    "click": Kind.CLICK,
    "view": Kind.VIEW,
    "location": Kind.REPORT_LOCATION,
}
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


def _float(fields: dict[str, str], name: str) -> float:
    try:
        return float(fields[name])
    except (KeyError, ValueError):
        raise BadXml(f"{name} must be a number") from None


def to_inbound(fields: dict[str, str]) -> Inbound:
    """The transport-free message; BadXml when a required field is missing or wrong."""
    openid, msg_type = fields.get("FromUserName"), (fields.get("MsgType") or "").strip().lower()
    if not openid or not msg_type:
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
        return Inbound(text=normalize(fields.get("Content", "")), **common)
    if kind is Kind.IMAGE:
        return Inbound(media_id=fields.get("MediaId"), pic_url=fields.get("PicUrl"), **common)
    if kind is Kind.LOCATION:
        return Inbound(lat=_float(fields, "Location_X"), lng=_float(fields, "Location_Y"),
                       label=fields.get("Label", ""), **common)
    if kind is Kind.REPORT_LOCATION:
        return Inbound(lat=_float(fields, "Latitude"), lng=_float(fields, "Longitude"), **common)
    if kind in (Kind.VOICE, Kind.VIDEO):
        return Inbound(media_id=fields.get("MediaId"),
                       text=normalize(fields.get("Recognition", "")), **common)
    return Inbound(**common)


def render_text(text: str, fields: dict[str, str]) -> str:
    """A passive text reply, addressed back to the sender."""
    return TextReply(source=fields.get("ToUserName", ""), target=fields["FromUserName"],
                     content=text).render()
