"""Conversations declared as data.

A ``Flow`` is entered by a keyword, a menu click or a message kind; it runs ``start`` and
then, while it names a next step, routes the person's following messages to that step.
A command is simply a flow with no steps. Each step is a small function that returns a
``Step``: what to reply and which step comes next (None ends the conversation), or None
when it did not understand the message (the engine re-prompts or tries other commands).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from handlers.inbound import Kind
from storage.core.models import Role

if TYPE_CHECKING:
    from handlers.context import Context


@dataclass(frozen=True)
class Step:
    reply: str | None
    next: str | None = None  # the step that handles the next message; None ends the flow


def done(reply: str | None) -> Step:
    return Step(reply, None)


def goto(step: str, reply: str | None) -> Step:
    return Step(reply, step)


StepFn = Callable[["Context"], Awaitable[Step | None]]
ArgPolicy = Literal["none", "optional", "required"]


@dataclass(frozen=True)
class Flow:
    name: str
    start: StepFn
    steps: Mapping[str, StepFn] = field(default_factory=dict)
    keywords: tuple[str, ...] = ()
    clicks: tuple[str, ...] = ()
    kinds: tuple[Kind, ...] = ()
    arg: ArgPolicy = "none"
    # When several flows share a keyword, the argument must match this regex (e.g. r"[Ww]\d+").
    arg_pattern: str | None = None
    # For a required argument: (what it is, an example), shown when it is missing.
    arg_hint: tuple[str, str] = ("内容", "")
    roles: frozenset[Role] | None = None  # None: anyone
    # What each step asks for, repeated when the person sends something it cannot use.
    prompts: Mapping[str, str] = field(default_factory=dict)
    timeout: int = 30 * 60  # seconds of silence before the conversation is forgotten
    # What the person hears after ``timeout`` when they answer too late: (draft data, minutes)
    # -> the sentence (None: the engine's general one). It may quote the draft's text.
    expired: Callable[[Mapping[str, Any], int], str] | None = None
    # The steps that may take an effect (``ctx.effect()``); None: any of them. Only these are
    # checked for an effect taken before a crash (one query a message saved on the others);
    # an effect in another step is refused (``Context.effect``), so the list cannot lie.
    effects: frozenset[str] | None = None

    def allows(self, role: Role) -> bool:
        return self.roles is None or role in self.roles

    def may_take_effect(self, step: str | None) -> bool:
        return self.effects is None or (step or "") in self.effects


def command(
    name: str,
    run: StepFn,
    *keywords: str,
    arg: ArgPolicy = "none",
    arg_hint: tuple[str, str] = ("内容", ""),
    roles: frozenset[Role] | None = None,
    clicks: tuple[str, ...] = (),
) -> Flow:
    """A one-message flow."""
    return Flow(name, run, keywords=keywords, arg=arg, arg_hint=arg_hint, roles=roles,
                clicks=clicks)
