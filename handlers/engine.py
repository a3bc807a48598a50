"""The routing table: one inbound message to the flow, step or command that handles it."""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import nullcontext

from handlers import texts
from handlers.context import Context
from handlers.flows import Flow, Step
from handlers.inbound import Kind
from handlers.normalize import split_command
from handlers.typos import Typos
from storage import readonce
from storage.dedup import step_done, step_key
from storage.state import ConversationState
from storage.turn import take_expired

EventFn = Callable[[Context], Awaitable[Step | None]]

CANCEL_WORDS = ("取消", "退出", "算了")
HELP_WORDS = ("帮助", "菜单", "help", "?", "？")
HELP_KEY = "HELP"  # the menu button that answers with the menu of commands


class Router:
    def __init__(
        self,
        flows: Iterable[Flow],
        events: Mapping[Kind, EventFn],
        menu: Callable[[Context], Awaitable[str]],
    ) -> None:
        self.flows = {f.name: f for f in flows}
        self.events = dict(events)
        self.menu = menu
        self._clicks = {key: f for f in self.flows.values() for key in f.clicks}
        self._by_kind = {kind: f for f in self.flows.values() for kind in f.kinds}
        self._keywords = tuple({k for f in self.flows.values() for k in f.keywords})
        self._typos = Typos((*self._keywords, *HELP_WORDS, *CANCEL_WORDS))
        # One keyword may serve several flows told apart by their argument (完成 W12 / 完成 A1234).
        self._by_keyword: dict[str, list[Flow]] = {}
        for f in self.flows.values():
            for k in f.keywords:
                self._by_keyword.setdefault(k, []).append(f)

    def flow(self, name: str | None) -> Flow | None:
        return self.flows.get(name) if name else None

    async def dispatch(self, ctx: Context) -> str | None:
        """Handle one message; updates ``ctx.state`` in place and returns the reply."""
        msg = ctx.msg
        if msg.kind is Kind.TEXT:
            return await self._text(ctx)
        if msg.kind is Kind.CLICK:
            flow = self._clicks.get(msg.event_key)
            if msg.event_key == HELP_KEY or flow is None:
                return await self.menu(ctx)
            return await self._enter(ctx, flow, "")
        if msg.kind in self.events:
            step = await self.events[msg.kind](ctx)
            return step.reply if step else None
        if msg.kind.value.startswith("event:"):
            return None  # events nobody asked about get no reply
        return await self._media(ctx)

    async def _text(self, ctx: Context) -> str | None:
        text = ctx.msg.text
        lowered = text.lower()
        if text in CANCEL_WORDS:
            if not ctx.state.active:
                return texts.NOTHING_TO_CANCEL
            _clear(ctx)
            return texts.CANCELLED
        if lowered in HELP_WORDS:
            return await self.menu(ctx)
        if ctx.state.active:
            match = self.match(text)
            if match is not None and self._decisive(ctx, *match):
                # An unmistakable command (its exact word, or an argument of its own form such
                # as 完成 W12) wins over free text the conversation would take as an answer.
                return await self._run_keyword(ctx, *match, keep_state=True)
            reply = await self._continue(ctx)
            if reply is not None:
                return reply
            match = self.match(text)
            if match is not None:
                return await self._run_keyword(ctx, *match, keep_state=True)
            return self._reprompt(ctx)
        match = self.match(text)
        if match is not None:
            return await self._run_keyword(ctx, *match, keep_state=False)
        return await self._unknown(ctx)

    async def _unknown(self, ctx: Context) -> str:
        """Text nothing takes: the conversation it answered has timed out (say so, once), a
        mistyped command (suggest the nearest), or something else (what works)."""
        expired = await take_expired(ctx.services.kv, ctx.msg.openid)
        if expired is not None:
            return expired
        text = ctx.msg.text
        guess = self._typos.nearest(text)
        if guess is not None:
            return texts.DID_YOU_MEAN.format(text=text[:20], command=guess)
        return texts.UNKNOWN.format(text=text[:20])

    def expired_notice(self, state: ConversationState, minutes: int) -> str | None:
        """What the person hears if ``state`` times out (None: no conversation)."""
        flow = self.flow(state.conversation)
        if flow is None:
            return None
        if flow.expired is not None:
            return flow.expired(state.data, minutes)
        return texts.EXPIRED.format(minutes=minutes)

    @staticmethod
    def _decisive(ctx: Context, flow: Flow, keyword: str, arg: str) -> bool:
        if flow.name == ctx.state.conversation:
            return False
        return not arg or (flow.arg_pattern is not None and re.match(flow.arg_pattern, arg))

    async def _media(self, ctx: Context) -> str | None:
        if ctx.state.active:
            reply = await self._continue(ctx)
            return reply if reply is not None else self._reprompt(ctx)
        flow = self._by_kind.get(ctx.msg.kind)
        if flow is not None:
            return await self._enter(ctx, flow, "")
        return texts.UNKNOWN_MEDIA

    def match(self, text: str) -> tuple[Flow, str, str] | None:
        found = split_command(text, self._keywords)
        if found is None:
            return None
        keyword, arg = found
        candidates = self._by_keyword[keyword]
        for flow in candidates:
            if arg and flow.arg == "none":
                continue  # "积分兑换" is not "积分" with an argument
            if flow.arg_pattern and arg and not re.match(flow.arg_pattern, arg):
                continue
            return flow, keyword, arg
        if arg and any(f.arg_pattern for f in candidates):
            # An argument none of them takes: let the first explain what it expects.
            return candidates[0], keyword, arg
        return None

    async def _run_keyword(self, ctx: Context, flow: Flow, keyword: str, arg: str,
                           keep_state: bool) -> str | None:
        if flow.arg == "required" and not arg:
            what, example = flow.arg_hint
            return texts.NEEDS_ARGUMENT.format(keyword=keyword, what=what,
                                               example=example or keyword)
        ctx.keyword = keyword
        if keep_state and flow.steps:
            # Entering another conversation replaces the one in progress.
            keep_state = False
        if keep_state:
            state = ctx.state
            saved = (state.conversation, state.step, state.data, state.id)
            reply = await self._enter(ctx, flow, arg)
            state.conversation, state.step, state.data, state.id = saved
            return reply
        return await self._enter(ctx, flow, arg)

    async def _enter(self, ctx: Context, flow: Flow, arg: str) -> str | None:
        if not flow.allows(ctx.person.role):
            return texts.STAFF_ONLY if not ctx.person.role.is_staff else texts.NOT_ALLOWED
        ctx.arg = arg
        ctx.state.conversation, ctx.state.step, ctx.state.data = flow.name, None, {}
        ctx.state.id = secrets.token_hex(8) if flow.steps else None
        step = await flow.start(ctx)
        return self._apply(ctx, flow, step)

    async def _continue(self, ctx: Context) -> str | None:
        flow = self.flow(ctx.state.conversation)
        step_fn = flow.steps.get(ctx.state.step or "") if flow else None
        if flow is None or step_fn is None:
            _clear(ctx)
            return None
        if ctx.state.id is not None and flow.may_take_effect(ctx.state.step):
            # A flow that declares its effects reads the reference facts once per message
            # (its steps run in a readonce.scope): their version comes with this check.
            with readonce.scope() if flow.effects is not None else nullcontext():
                done_before = await step_done(step_key(ctx.state.id, ctx.state.step),
                                              with_facts=flow.effects is not None)
                if done_before is not None:
                    # This step took effect, but the process died (or Redis failed) before
                    # the conversation moved on: the draft is submitted; answer as the first
                    # time.
                    _clear(ctx)
                    return done_before.reply
                return await self._step(ctx, flow, step_fn)
        return await self._step(ctx, flow, step_fn)

    async def _step(self, ctx: Context, flow: Flow, step_fn) -> str | None:
        ctx.effect_steps = flow.effects
        try:
            step = await step_fn(ctx)
        finally:
            ctx.effect_steps = None
        if step is None:
            return None
        return self._apply(ctx, flow, step)

    def _apply(self, ctx: Context, flow: Flow, step: Step | None) -> str | None:
        if step is None:
            step = Step(texts.UNKNOWN.format(text=ctx.msg.text[:20]))
        if step.next is None:
            _clear(ctx)
        else:
            ctx.state.conversation, ctx.state.step = flow.name, step.next
        return step.reply

    def _reprompt(self, ctx: Context) -> str:
        flow = self.flow(ctx.state.conversation)
        prompt = flow.prompts.get(ctx.state.step or "", "") if flow else ""
        return texts.STEP_NOT_UNDERSTOOD.format(prompt=prompt).replace(
            texts.NOT_UNDERSTOOD + "\n", texts.NOT_UNDERSTOOD)

    def timeout_of(self, name: str | None) -> int:
        flow = self.flow(name)
        return flow.timeout if flow else 30 * 60


def _clear(ctx: Context) -> None:
    """The conversation is over."""
    ctx.state.conversation, ctx.state.step, ctx.state.data, ctx.state.id = None, None, {}, None
