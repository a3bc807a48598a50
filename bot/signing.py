"""WeChat callback signatures and AES message crypto, with key rotation.

The cipher itself is wechatpy's (PrpCrypto); the comparisons are constant-time and the
previous EncodingAESKey is still accepted while WeChat switches over to the new one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time

from wechatpy.crypto import PrpCrypto
from wechatpy.exceptions import InvalidAppIdException

# What WeChat sends: a Unix time in seconds, a nonce of a few digits, SHA-1 hex signatures.
# Anything else is refused before it is used (a 400-digit timestamp overflows a float).
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_NONCE = re.compile(r"[A-Za-z0-9]{1,64}")
SIGNATURE_LENGTH = 40


class SignatureError(Exception):
    pass


class DecryptError(Exception):
    pass


def sign(*parts: str) -> str:
    """SHA1 over the sorted parts, as WeChat signs callbacks and encrypted messages."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def check(expected: str, *parts: str) -> None:
    if len(expected) != SIGNATURE_LENGTH or not hmac.compare_digest(
            sign(*parts).encode(), expected.encode()):
        raise SignatureError("signature mismatch")


def check_nonce(nonce: str) -> None:
    if not _NONCE.fullmatch(nonce):
        raise SignatureError("nonce is not 1-64 letters or digits")


def check_timestamp(timestamp: str, skew: int, now: float | None = None) -> None:
    """Refuse a timestamp that is not a Unix time, or is more than ``skew`` seconds off
    (0 = no check of the time itself)."""
    if not _TIMESTAMP.fullmatch(timestamp):
        raise SignatureError("timestamp is not a Unix time")
    ts = int(timestamp)
    if skew == 0:
        return
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
