"""bot.xmlsafe.parse_fields: expat with four handlers, read exactly as ElementTree reads the same
document (compared with defusedxml's ElementTree on generated documents), and as guarded."""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest
from defusedxml.ElementTree import fromstring
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.xmlsafe import BadXml, _expat, _flat, parse_fields

TAGS = st.sampled_from(["ToUserName", "Content", "List", "TemplateId", "a", "b", "MsgId"])
TEXT = st.text(st.sampled_from(list("ab 中文\n\t<>&'\"]") + ["😀"]), max_size=8)


def _text(value: str, cdata: bool) -> str:
    return f"<![CDATA[{value.replace(']]>', '')}]]>" if cdata else escape(value)


@st.composite
def element(draw, depth: int) -> str:
    tag = draw(TAGS)
    text = _text(draw(TEXT), draw(st.booleans()))
    children = draw(st.lists(element(depth + 1), max_size=3)) if depth < 5 else []
    tails = [_text(draw(TEXT), draw(st.booleans())) for _ in children]
    inner = text + "".join(c + t for c, t in zip(children, tails, strict=True))
    return f"<{tag}>{inner}</{tag}>"


def reference(body: str) -> tuple[dict, dict]:
    """What the webhook read before: defusedxml's ElementTree, walked."""
    root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    lists = {child.tag: [{leaf.tag: (leaf.text or "").strip() for leaf in item}
                         for item in child if len(item)]
             for child in root if len(child)}
    return {child.tag: (child.text or "") for child in root}, lists


@settings(max_examples=150, deadline=None)
@given(st.lists(element(2), max_size=6), st.sampled_from(["", '<?xml version="1.0"?>']),
       st.booleans())
def test_reads_what_elementtree_reads(children, prolog, as_bytes):
    body = f"{prolog}<xml>{''.join(children)}</xml>"
    fields = parse_fields(body.encode() if as_bytes else body)
    values, lists = reference(body)
    assert dict(fields) == values
    assert fields.lists == lists


def test_a_wechat_text_message():
    fields = parse_fields(
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o-1]]>"
        "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]>"
        "</MsgType><Content><![CDATA[帮助 &amp; <b>]]></Content><MsgId>42</MsgId></xml>")
    assert fields == {"ToUserName": "gh_1", "FromUserName": "o-1", "CreateTime": "1700000000",
                      "MsgType": "text", "Content": "帮助 &amp; <b>", "MsgId": "42"}
    assert fields.lists == {}


def test_subscribe_popup_items():
    fields = parse_fields(
        "<xml><Event>subscribe_msg_popup_event</Event><SubscribeMsgPopupEvent>"
        "<List><TemplateId> t1 </TemplateId><SubscribeStatusString>accept"
        "</SubscribeStatusString></List><List><TemplateId>t2</TemplateId></List>"
        "</SubscribeMsgPopupEvent></xml>")
    assert fields.lists == {"SubscribeMsgPopupEvent": [
        {"TemplateId": "t1", "SubscribeStatusString": "accept"}, {"TemplateId": "t2"}]}


@pytest.mark.parametrize("body", [
    '<?xml version="1.0"?><!DOCTYPE xml><xml><a>1</a></xml>',
    '<!DOCTYPE xml [<!ENTITY a "x">]><xml><a>&a;</a></xml>',
    '<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><a>&x;</a></xml>',
    '<xml><a>&undefined;</a></xml>',
    "<xml><a>1</a>",
    "<xml><a>1</a></xml><xml/>",
    "<notxml><a>1</a></notxml>",
    '<xml xmlns="urn:x"><a>1</a></xml>',
    "",
    "\x00",
])
def test_refused(body):
    with pytest.raises(BadXml):
        parse_fields(body)


@settings(max_examples=100, deadline=None)
@given(st.text(st.sampled_from(list("ab]>[<&!中 \n") + ["😀"]), max_size=30))
def test_a_rendered_reply_reads_back_whatever_it_says(text):
    from bot.translate import render_text

    fields = parse_fields(render_text(text, {"ToUserName": "gh_1", "FromUserName": "o-1"}))
    assert (fields["ToUserName"], fields["FromUserName"], fields["MsgType"]) == (
        "o-1", "gh_1", "text")
    assert fields["Content"] == text.replace("\r", "\n")


# Flat documents as WeChat sends them, and near misses: raw text with markup, references,
# "]]>", carriage returns and characters XML forbids, unescaped.
FLAT_TEXT = st.lists(st.sampled_from(
    list("ab 中\n\t\r<>&]'\"") + ["]]>", "😀", "\x01", "\ufffe", "&amp;", "<a>", "</a>"]),
    max_size=10).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(TAGS, FLAT_TEXT, st.booleans()), max_size=8),
       st.sampled_from(["", " ", "\n", "\t\n"]), st.booleans())
def test_flat_documents_read_as_expat_reads_them(fields, gap, as_bytes):
    body = "<xml>" + "".join(
        f"{gap}<{tag}>" + (f"<![CDATA[{text}]]>" if cdata else text) + f"</{tag}>"
        for tag, text, cdata in fields) + gap + "</xml>"
    raw = body.encode() if as_bytes else body
    try:
        expected = _expat(raw)
    except BadXml:
        expected = None
    flat = _flat(raw)
    if flat is not None:
        assert expected is not None and dict(flat) == dict(expected)
        assert flat.lists == expected.lists == {}
    try:
        assert parse_fields(raw) == expected
    except BadXml:
        assert expected is None


def test_a_wechat_callback_takes_the_flat_reading():
    body = ("<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o-1]]>"
            "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]>"
            "</MsgType><Content><![CDATA[帮助 a]]]]><![CDATA[>b]]></Content><MsgId>42</MsgId>"
            "</xml>")
    assert _flat(body.replace("a]]]]><![CDATA[>b", "帮助").encode()) == {
        "ToUserName": "gh_1", "FromUserName": "o-1", "CreateTime": "1700000000",
        "MsgType": "text", "Content": "帮助 帮助", "MsgId": "42"}
    # Two CDATA sections in one field (a "]]>" in the text): expat reads it.
    assert _flat(body) is None
    assert parse_fields(body)["Content"] == "帮助 a]]>b"
