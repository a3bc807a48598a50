"""Building callbacks exactly as WeChat sends them: XML bodies and signed query strings.

Used by the terminal simulator (``linli chat``), the tests and the benchmarks.
"""

from __future__ import annotations

import itertools
import secrets
import time
from xml.sax.saxutils import escape

from bot.signing import MessageCrypto, sign

_msg_ids = itertools.count(int(time.time() * 1000) * 1000 + secrets.randbelow(1000))


def next_msg_id() -> int:
    return next(_msg_ids)


def _xml(openid: str, to: str, msg_type: str, body: str, create_time: int | None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{to}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{create_time or int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>{body}</xml>"
    )


def text(openid: str, content: str, msg_id: int | None = None, to: str = "gh_linli",
         create_time: int | None = None) -> str:
    body = f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id or next_msg_id()}</MsgId>"
    return _xml(openid, to, "text", body, create_time)


def image(openid: str, media_id: str, pic_url: str = "", msg_id: int | None = None,
          to: str = "gh_linli") -> str:
    body = (f"<PicUrl><![CDATA[{pic_url}]]></PicUrl><MediaId><![CDATA[{media_id}]]></MediaId>"
            f"<MsgId>{msg_id or next_msg_id()}</MsgId>")
    return _xml(openid, to, "image", body, None)


def location(openid: str, lat: float, lng: float, label: str = "", msg_id: int | None = None,
             to: str = "gh_linli") -> str:
    body = (f"<Location_X>{lat}</Location_X><Location_Y>{lng}</Location_Y><Scale>16</Scale>"
            f"<Label><![CDATA[{escape(label)}]]></Label><MsgId>{msg_id or next_msg_id()}</MsgId>")
    return _xml(openid, to, "location", body, None)


def event(openid: str, name: str, key: str = "", create_time: int | None = None,
          to: str = "gh_linli") -> str:
    body = f"<Event><![CDATA[{name}]]></Event>"
    if key:
        body += f"<EventKey><![CDATA[{key}]]></EventKey>"
    return _xml(openid, to, "event", body, create_time)


def _items(rows: list[dict[str, str | int]]) -> str:
    def value(v: str | int) -> str:
        return str(v) if isinstance(v, int) else f"<![CDATA[{v}]]>"

    return "".join("<List>" + "".join(f"<{k}>{value(v)}</{k}>" for k, v in row.items())
                   + "</List>" for row in rows)


def subscribe_popup(openid: str, answers: dict[str, str], scene: int = 2,
                    create_time: int | None = None, to: str = "gh_linli") -> str:
    """``subscribe_msg_popup_event``: the person answered an Official Account's subscription
    pop-up, {template_id: "accept" | "reject"} (``scene`` 1: a web page, 2: an article)."""
    rows = [{"TemplateId": t, "SubscribeStatusString": s, "PopupScene": scene}
            for t, s in answers.items()]
    body = (f"<Event><![CDATA[subscribe_msg_popup_event]]></Event>"
            f"<SubscribeMsgPopupEvent>{_items(rows)}</SubscribeMsgPopupEvent>")
    return _xml(openid, to, "event", body, create_time)


def subscribe_change(openid: str, answers: dict[str, str], create_time: int | None = None,
                     to: str = "gh_linli") -> str:
    """``subscribe_msg_change_event``: the person changed templates in their notice settings,
    {template_id: "accept" | "reject"}."""
    rows = [{"TemplateId": t, "SubscribeStatusString": s} for t, s in answers.items()]
    body = (f"<Event><![CDATA[subscribe_msg_change_event]]></Event>"
            f"<SubscribeMsgChangeEvent>{_items(rows)}</SubscribeMsgChangeEvent>")
    return _xml(openid, to, "event", body, create_time)


def subscribe_sent(openid: str, template_id: str, error_code: int = 0, msg_id: int | None = None,
                   create_time: int | None = None, to: str = "gh_linli") -> str:
    """``subscribe_msg_sent_event``: what became of a subscription notice (ErrorCode 0:
    delivered; 43101: the person refused it)."""
    status = "success" if error_code == 0 else "failed:user block"
    rows = [{"TemplateId": template_id, "MsgID": msg_id or next_msg_id(),
             "ErrorCode": error_code, "ErrorStatus": status}]
    body = (f"<Event><![CDATA[subscribe_msg_sent_event]]></Event>"
            f"<SubscribeMsgSentEvent>{_items(rows)}</SubscribeMsgSentEvent>")
    return _xml(openid, to, "event", body, create_time)


def signed_query(token: str, openid: str = "", timestamp: int | None = None,
                 nonce: str | None = None) -> dict[str, str]:
    ts = str(timestamp or int(time.time()))
    nonce = nonce or str(secrets.randbelow(10**9))
    query = {"signature": sign(token, ts, nonce), "timestamp": ts, "nonce": nonce}
    if openid:
        query["openid"] = openid
    return query


def encrypted(crypto: MessageCrypto, xml: str, query: dict[str, str]) -> tuple[str, dict]:
    """Secure mode: the body WeChat posts and the query with encrypt_type and msg_signature."""
    envelope = crypto.encrypt(xml, query["nonce"], query["timestamp"])
    from bot.xmlsafe import parse_fields

    fields = parse_fields(envelope)
    body = (f"<xml><ToUserName><![CDATA[gh_linli]]></ToUserName>"
            f"<Encrypt><![CDATA[{fields['Encrypt']}]]></Encrypt></xml>")
    return body, {**query, "encrypt_type": "aes", "msg_signature": fields["MsgSignature"]}


def reply_text(crypto: MessageCrypto | None, body: str, query: dict[str, str]) -> str | None:
    """The text of a passive reply (decrypting it in secure mode); None for 'success'."""
    from bot.xmlsafe import parse_fields

    if body in ("success", ""):
        return None
    fields = parse_fields(body)
    if "Encrypt" in fields:
        assert crypto is not None, "encrypted reply but no crypto given"
        xml, _ = crypto.decrypt(fields["Encrypt"], fields["MsgSignature"],
                                fields["TimeStamp"], fields["Nonce"])
        fields = parse_fields(xml)
    return fields.get("Content")
