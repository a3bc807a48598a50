"""Keeping people's identifiers out of logs: the hashed openid every log line carries.

Lives in ``storage`` so that every layer can name a person in a log line without naming them:
``log.warning("... %s", hash_openid(openid))``, never the openid itself.
"""

from __future__ import annotations

import hashlib


def hash_openid(openid: str) -> str:
    """A short, stable pseudonym of ``openid`` for logs (12 hex digits of its SHA-256)."""
    return hashlib.sha256(openid.encode()).hexdigest()[:12]
