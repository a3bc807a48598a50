"""WeChat callback signatures and AES message crypto, with key rotation.

The cipher itself is wechatpy's (PrpCrypto); the comparisons are constant-time and the
previous EncodingAESKey is still accepted while WeChat switches over to the new one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time

from wechatpy.crypto import PrpCrypto
from wechatpy.exceptions import InvalidAppIdException


class SignatureError(Exception):
    pass


class DecryptError(Exception):
    pass


def sign(*parts: str) -> str:
    """SHA1 over the sorted parts, as WeChat signs callbacks and encrypted messages."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def check(expected: str, *parts: str) -> None:
    if not expected or not hmac.compare_digest(sign(*parts).encode(), expected.encode()):
        raise SignatureError("signature mismatch")


def check_timestamp(timestamp: str, skew: int, now: float | None = None) -> None:
    """Refuse callbacks whose timestamp is more than ``skew`` seconds off (0 = no check)."""
    if skew == 0:
        return
    try:
        ts = int(timestamp)
    except ValueError:
        raise SignatureError("timestamp is not a number") from None
    if abs((time.time() if now is None else now) - ts) > skew:
        raise SignatureError("timestamp outside the allowed skew")


class MessageCrypto:
    """Encrypts and decrypts message bodies for one app, trying each configured key."""

    def __init__(self, token: str, appid: str, keys: list[str]) -> None:
        self.token = token
        self.appid = appid
        self.keys = [base64.b64decode(k + "=") for k in keys]

    def decrypt(self, encrypt: str, msg_signature: str, timestamp: str, nonce: str
                ) -> tuple[str, int]:
        """The plaintext XML and the index of the key that opened it."""
        check(msg_signature, self.token, timestamp, nonce, encrypt)
        for index, key in enumerate(self.keys):
            try:
                return PrpCrypto(key).decrypt(encrypt, self.appid), index
            except (InvalidAppIdException, ValueError, struct.error, IndexError, TypeError):
                # A wrong key yields garbage, which shows up as a foreign AppID or bad padding.
                continue
        raise DecryptError("no configured EncodingAESKey opens this message")

    def encrypt(self, xml: str, nonce: str, timestamp: str, key_index: int = 0) -> str:
        encrypt = PrpCrypto(self.keys[key_index]).encrypt(xml, self.appid)
        encrypt = encrypt.decode() if isinstance(encrypt, bytes) else encrypt
        signature = sign(self.token, timestamp, nonce, encrypt)
        return (
            f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt>"
            f"<MsgSignature><![CDATA[{signature}]]></MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>"
        )
