"""我的数据 and 注销 in chat: the person's own data, summarised and downloadable, or erased
after an explicit 确认注销."""

from __future__ import annotations

from handlers.context import Context
from handlers.flows import Flow, Step, command, done, goto
from handlers.inbound import Kind
from handlers.normalize import normalize
from handlers.privacy import notice, queries, render, service, texts

DOWNLOAD_PATH = "/privacy/export/{token}"  # served by bot/privacy_download.py


def download_url(public_url: str, token: str) -> str:
    return public_url.rstrip("/") + DOWNLOAD_PATH.format(token=token)


async def my_data(ctx: Context) -> Step:
    """我的数据: counts per kind, and a one-time link to the whole export (24 h)."""
    found = await queries.export(ctx.person.openid, ctx.kv)
    token = await service.issue_link(ctx.kv, ctx.person.openid)
    return done(render.summary(found, download_url(ctx.services.public_url, token)))


async def erase_start(ctx: Context) -> Step:
    return goto("confirm", texts.ERASE_ASK)


async def erase_confirm(ctx: Context) -> Step:
    """Only 确认注销 erases; anything else keeps everything and ends the conversation."""
    if ctx.msg.kind is not Kind.TEXT or normalize(ctx.text) != texts.ERASE_CONFIRM_WORD:
        return done(texts.ERASE_KEPT)
    ctx.changed = True  # no snapshot of the erased row is kept
    # Not one effect: erasing is idempotent itself, and a dedup record would keep the openid.
    await service.erase(ctx.person.openid, ctx.kv,
                        media=ctx.services.photos.media if ctx.services.photos else None,
                        keep_staff_history=ctx.services.keep_staff_history)
    return done(texts.ERASE_DONE)


async def show_notice(ctx: Context) -> Step:
    """隐私: the privacy notice again."""
    return done(notice.text(ctx.services.retention))


FLOWS = [
    command("privacy_notice", show_notice, "隐私", "隐私说明", "隐私政策"),
    command("privacy_export", my_data, "我的数据"),
    Flow("privacy_erase", erase_start, steps={"confirm": erase_confirm},
         keywords=("注销", "注销账号"), prompts={"confirm": texts.ERASE_PROMPT},
         timeout=10 * 60),
]
