"""Models every routes module shares: errors, times, photos."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from bot.api import texts
from storage import clock


class Input(BaseModel):
    """The base of request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    code: str = Field(description="稳定的错误代码，客户端据此判断")
    message: str = Field(description="给人看的中文说明")
    details: list[dict[str, Any]] | None = None


class Error(BaseModel):
    error: ErrorBody


def iso(moment: datetime | None) -> datetime | None:
    """A time as people see it: Asia/Shanghai, with its offset (ISO-8601 on the wire)."""
    return clock.local(moment) if moment is not None else None


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _printable(value: str) -> str:
    # NUL and unpaired surrogates are refused by the framework before parsing (no database
    # stores them); other control characters are refused here, in people's text.
    if _CONTROL.search(value):
        raise ValueError(texts.DISALLOWED_CHARACTERS)
    return value


Text = Annotated[str, AfterValidator(_printable)]
"""People's text: no control characters but tab and line breaks, no unpaired surrogate."""
