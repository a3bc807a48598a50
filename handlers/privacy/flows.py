"""我的数据 and 注销 in chat: the person's own data, summarised and downloadable, or erased
after an explicit 确认注销."""

from __future__ import annotations

from handlers.context import Context
from handlers.flows import Step, command, done
from handlers.privacy import texts


async def my_data(ctx: Context) -> Step:
    return done(texts.EXPORT_SUMMARY_HEAD)


FLOWS = [
    command("privacy_export", my_data, "我的数据"),
]
