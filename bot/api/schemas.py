"""Models every routes module shares: errors, times, photos."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

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


def _storable(value: str) -> str:
    # The framework refuses such input before parsing (``framework.check_text``); this keeps
    # a model safe wherever else it is used.
    if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ValueError("contains characters that cannot be stored")
    return value


Text = Annotated[str, AfterValidator(_storable)]
"""A string any database can store (no NUL, no unpaired surrogate)."""
