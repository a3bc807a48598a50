"""The /wechat callback: verification, the three crypto modes, official vectors, bad input."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot import callbacks
from bot.signing import MessageCrypto, sign
from bot.xmlsafe import parse_fields

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
NEW_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"

# WeChat's official message-encryption sample (WXBizMsgCrypt demo): a compatible-mode
# message carrying both the plaintext fields and their encryption.
OFFICIAL = {
    "token": "spamtest",
    "appid": "wx2c2769f8efd9abc2",
    "key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "timestamp": "1409735669",
    "nonce": "1320562132",
    "msg_signature": "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
    "body": (
        "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA["
        "oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName><CreateTime>1409735668</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]></Content><MsgId>"
        "6054768590064713728</MsgId><Encrypt><![CDATA[hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIH"
        "vxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GI"
        "Itb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIb"
        "gU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0Vxp"
        "Ae+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl"
        "+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=]]></Encrypt></xml>"
    ),
}


def test_official_url_signature_vector():
    # From the official access guide as used by wechatpy's own tests.
    assert sign("test", "1410685589", "test") == "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"


def test_official_encryption_vector_decrypts():
    crypto = MessageCrypto(OFFICIAL["token"], OFFICIAL["appid"], [OFFICIAL["key"]])
    body = parse_fields(OFFICIAL["body"])
    xml, index = crypto.decrypt(body["Encrypt"], OFFICIAL["msg_signature"],
                                OFFICIAL["timestamp"], OFFICIAL["nonce"])
    assert index == 0
    inner = parse_fields(xml)
    assert inner["Content"] == "abcdteT"
    assert inner["FromUserName"] == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"


async def test_echostr_verification(bot):
    query = {**bot.query(), "echostr": "5738293748"}
    resp = await bot.client.get("/wechat", params=query)
    assert resp.status == 200 and await resp.text() == "5738293748"
    resp = await bot.client.get("/wechat", params={**query, "signature": "0" * 40})
    assert resp.status == 403


async def test_plaintext_reply_is_addressed_back(bot):
    resp = await bot.post(callbacks.text("o-plain", "帮助"), "o-plain")
    assert resp.status == 200
    fields = parse_fields(await resp.text())
    assert fields["ToUserName"] == "o-plain" and fields["MsgType"] == "text"
    assert "功能菜单" in fields["Content"]


@pytest.mark.parametrize("change", [
    {"signature": "a" * 40}, {"signature": ""}, {"nonce": "tampered"},
])
async def test_bad_signature_is_refused(bot, change):
    query = {**bot.query("o1"), **change}
    resp = await bot.client.post("/wechat", params=query,
                                 data=callbacks.text("o1", "帮助").encode())
    assert resp.status == 403


async def test_stale_timestamp_is_refused(make_bot):
    bot = await make_bot(wechat_timestamp_skew=300)
    old = int(time.time()) - 3600
    query = callbacks.signed_query(bot.settings.wechat_token, "o1", timestamp=old)
    resp = await bot.client.post("/wechat", params=query,
                                 data=callbacks.text("o1", "帮助").encode())
    assert resp.status == 403
    # With the check turned off the same callback is accepted.
    lax = await make_bot(wechat_timestamp_skew=0)
    resp = await lax.client.post("/wechat", params=query,
                                 data=callbacks.text("o1", "帮助").encode())
    assert resp.status == 200


@pytest.mark.parametrize("body", [
    b"<xml><FromUserName>o1</FromUserName>",  # truncated
    b"not xml at all",
    b"<root><FromUserName>o1</FromUserName><MsgType>text</MsgType></root>",  # wrong root
    b"<xml><MsgType>text</MsgType><Content>x</Content></xml>",  # no sender
    b"\xff\xfe<xml/>",
])
async def test_malformed_xml_is_400(bot, body):
    resp = await bot.client.post("/wechat", params=bot.query(), data=body)
    assert resp.status == 400


async def test_entity_expansion_is_refused(bot):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        "<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1"
        "</CreateTime><MsgType>text</MsgType><Content>&c;</Content><MsgId>1</MsgId></xml>"
    )
    resp = await bot.client.post("/wechat", params=bot.query(), data=bomb.encode())
    assert resp.status == 400


async def test_external_entity_is_refused(bot):
    xxe = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           "<xml><FromUserName>o1</FromUserName><MsgType>text</MsgType>"
           "<Content>&x;</Content><MsgId>2</MsgId></xml>")
    resp = await bot.client.post("/wechat", params=bot.query(), data=xxe.encode())
    assert resp.status == 400


async def test_a_body_arriving_in_pieces_is_read_whole(bot):
    """Chunked, with pauses: one read() would return only the first piece."""
    xml = callbacks.text("o-chunks", "帮助").encode()

    async def pieces():
        for i in range(0, len(xml), 40):
            yield xml[i:i + 40]
            await asyncio.sleep(0.01)

    resp = await bot.client.post("/wechat", params=bot.query("o-chunks"), data=pieces())
    assert resp.status == 200, await resp.text()
    assert "功能菜单" in parse_fields(await resp.text())["Content"]


async def test_oversized_chunked_body_is_413(bot):
    async def pieces():
        for _ in range(70):
            yield b"<" * 1024

    resp = await bot.client.post("/wechat", params=bot.query(), data=pieces())
    assert resp.status == 413


async def test_oversized_body_is_413(bot):
    huge = callbacks.text("o1", "长" * 40_000)
    resp = await bot.client.post("/wechat", params=bot.query(), data=huge.encode())
    assert resp.status == 413


async def test_secure_mode_roundtrip(make_bot):
    bot = await make_bot(aes=True, wechat_aes_key=AES_KEY)
    resp = await bot.post(callbacks.text("o-aes", "帮助"), "o-aes")
    assert resp.status == 200
    envelope = parse_fields(await resp.text())
    assert set(envelope) >= {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    assert "功能菜单" in callbacks.reply_text(bot.crypto, await resp.text(), {})


async def test_secure_mode_bad_msg_signature_is_403(make_bot):
    bot = await make_bot(wechat_aes_key=AES_KEY)
    query = bot.query("o-aes")
    body, query = callbacks.encrypted(bot.crypto, callbacks.text("o-aes", "帮助"), query)
    query["msg_signature"] = "b" * 40
    resp = await bot.client.post("/wechat", params=query, data=body.encode())
    assert resp.status == 403


async def test_secure_mode_undecryptable_is_400(make_bot):
    bot = await make_bot(wechat_aes_key=AES_KEY)
    query = bot.query("o-aes")
    garbage = "QUJDREVGR0hJSktMTU5PUA=="
    body = f"<xml><Encrypt><![CDATA[{garbage}]]></Encrypt></xml>"
    query.update(encrypt_type="aes",
                 msg_signature=sign(bot.settings.wechat_token, query["timestamp"],
                                    query["nonce"], garbage))
    resp = await bot.client.post("/wechat", params=query, data=body.encode())
    assert resp.status == 400


async def test_secure_mode_without_key_is_400(bot):
    crypto = MessageCrypto(bot.settings.wechat_token, bot.settings.wechat_appid, [AES_KEY])
    body, query = callbacks.encrypted(crypto, callbacks.text("o1", "帮助"), bot.query("o1"))
    resp = await bot.client.post("/wechat", params=query, data=body.encode())
    assert resp.status == 400


async def test_key_rotation_accepts_previous_key(make_bot):
    bot = await make_bot(wechat_aes_key=NEW_KEY, wechat_aes_key_previous=AES_KEY)
    old = MessageCrypto(bot.settings.wechat_token, bot.settings.wechat_appid, [AES_KEY])
    body, query = callbacks.encrypted(old, callbacks.text("o-rot", "帮助"), bot.query("o-rot"))
    resp = await bot.client.post("/wechat", params=query, data=body.encode())
    assert resp.status == 200
    # The reply is sealed with the key WeChat used, so it can open it.
    assert "功能菜单" in callbacks.reply_text(old, await resp.text(), {})
    new_only = MessageCrypto(bot.settings.wechat_token, bot.settings.wechat_appid, [NEW_KEY])
    body, query = callbacks.encrypted(new_only, callbacks.text("o-rot", "帮助"),
                                      bot.query("o-rot"))
    resp = await bot.client.post("/wechat", params=query, data=body.encode())
    assert "功能菜单" in callbacks.reply_text(new_only, await resp.text(), {})


async def test_official_vector_through_the_webhook(make_bot):
    bot = await make_bot(wechat_token=OFFICIAL["token"], wechat_appid=OFFICIAL["appid"],
                         wechat_aes_key=OFFICIAL["key"], wechat_timestamp_skew=0)
    query = {
        "signature": sign(OFFICIAL["token"], OFFICIAL["timestamp"], OFFICIAL["nonce"]),
        "timestamp": OFFICIAL["timestamp"], "nonce": OFFICIAL["nonce"],
        "encrypt_type": "aes", "msg_signature": OFFICIAL["msg_signature"],
    }
    resp = await bot.client.post("/wechat", params=query, data=OFFICIAL["body"].encode())
    assert resp.status == 200
    crypto = MessageCrypto(OFFICIAL["token"], OFFICIAL["appid"], [OFFICIAL["key"]])
    reply = parse_fields(crypto.decrypt(*_envelope(await resp.text()))[0])
    assert reply["ToUserName"] == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert "abcdteT" in reply["Content"]  # "没有看懂「abcdteT」…"


def _envelope(text: str) -> tuple[str, str, str, str]:
    f = parse_fields(text)
    return f["Encrypt"], f["MsgSignature"], f["TimeStamp"], f["Nonce"]


async def test_healthz_and_metrics(bot):
    await bot.say("o-m", "帮助")
    resp = await bot.client.get("/healthz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok", "database": "ok", "redis": "ok"}
    metrics = await (await bot.client.get("/metrics")).text()
    assert 'linli_inbound_messages_total{type="text"}' in metrics
    assert "linli_handling_seconds_bucket" in metrics
