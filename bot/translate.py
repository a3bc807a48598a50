"""WeChat callback XML ⇄ plain ``Inbound`` values and passive-reply XML."""

from __future__ import annotations

from datetime import UTC, datetime

from wechatpy import parse_message
from wechatpy.replies import TextReply

from bot.xmlsafe import BadXml
from handlers.inbound import Inbound, Kind
from handlers.normalize import normalize

_EVENTS = {
    "subscribe": Kind.SUBSCRIBE,
    "subscribe_scan": Kind.SUBSCRIBE,
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


def to_inbound(xml: str, fields: dict[str, str]) -> tuple[Inbound, object]:
    """The transport-free message plus wechatpy's parsed one (for building the reply)."""
    if not fields.get("FromUserName") or not fields.get("MsgType"):
        raise BadXml("FromUserName and MsgType are required")
    try:
        message = parse_message(xml)
        created = datetime.fromtimestamp(int(fields.get("CreateTime") or 0), UTC)
    except (ValueError, TypeError, KeyError) as exc:
        raise BadXml(str(exc)) from None
    if message.type == "event":
        kind = _EVENTS.get(message.event, Kind.OTHER)
    else:
        kind = _MESSAGES.get(message.type, Kind.OTHER)
    common = {"kind": kind, "openid": fields["FromUserName"], "dedup_key": dedup_key(fields),
              "created_at": created}
    if kind is Kind.TEXT:
        return Inbound(text=normalize(message.content or ""), **common), message
    if kind is Kind.IMAGE:
        return Inbound(media_id=message.media_id, pic_url=message.image, **common), message
    if kind is Kind.LOCATION:
        lat, lng = (float(v) for v in message.location)
        return Inbound(lat=lat, lng=lng, label=message.label or "", **common), message
    if kind is Kind.REPORT_LOCATION:
        return Inbound(lat=message.latitude, lng=message.longitude, **common), message
    if kind in (Kind.VOICE, Kind.VIDEO):
        text = normalize(getattr(message, "recognition", None) or "")
        return Inbound(media_id=message.media_id, text=text, **common), message
    if kind is Kind.SUBSCRIBE or kind is Kind.SCAN:
        scene = getattr(message, "scene_id", None)
        key = fields.get("EventKey", "") if kind is Kind.SUBSCRIBE else (scene or "")
        return Inbound(event_key=key or "", **common), message
    return Inbound(event_key=fields.get("EventKey", "") or "", **common), message


def render_text(text: str, message: object) -> str:
    return TextReply(content=text, message=message).render()
