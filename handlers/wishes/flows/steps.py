"""Small helpers the wish conversations share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.context import Context
from handlers.flows import Step, done, goto
from handlers.inbound import Kind
from handlers.wishes import texts
from handlers.wishes.errors import BadInput, WishError
from handlers.wishes.parse import number_and_rest


async def act(ctx: Context, work: Callable[[], Awaitable[str]]) -> Step:
    """Run ``work`` as this message's one effect; a refusal becomes the reply, changing nothing."""
    try:
        async with ctx.effect() as record:
            record.reply = await work()
    except WishError as exc:
        return done(exc.reply)
    return done(record.reply)


def text_only(ctx: Context, step: str, prompt: str) -> Step | None:
    """A step that needs text got a photo, a location, ...: say so and stay on the step."""
    if ctx.msg.kind is not Kind.TEXT:
        return goto(step, texts.NEED_TEXT.format(prompt=prompt))
    return None


def skipped(text: str) -> bool:
    return text.strip() in texts.SKIP_WORDS


def wish_arg(ctx: Context) -> tuple[int, str]:
    """The wish number and what follows it in ``认领 W12 ...``; BadInput if there is none."""
    number, rest = number_and_rest(ctx.arg)
    if number is None:
        raise BadInput(texts.BAD_NUMBER.format(keyword=ctx.keyword or "认领"))
    return number, rest


async def refusing(run: Callable[[], Awaitable[Step]]) -> Step:
    """For read-only commands: a refusal raised while looking becomes the reply."""
    try:
        return await run()
    except WishError as exc:
        return done(exc.reply)
