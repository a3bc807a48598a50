"""The Official Account's subscription-notice events: grants recorded and withdrawn.

- ``subscribe_msg_popup_event``: the person answered the pop-up; each "accept" is one more
  notice of that template (long-term templates: until withdrawn), "reject" records nothing.
- ``subscribe_msg_change_event``: changed in the notice settings; "reject" withdraws the
  grant, "accept" of a long-term template restores it.
- ``subscribe_msg_sent_event``: WeChat's word on a notice sent; an ErrorCode (43101: the
  person refused it) withdraws the grant.

Each event has one effect (its dedup key, recorded with the grants in one transaction) and
no reply. A grant for a person we have not met yet is recorded all the same.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.flows import Step
from handlers.inbound import Kind
from handlers.ports import NoticeSender
from handlers.push import grants
from storage import identity

ACCEPT, REJECT = "accept", "reject"


def _long_term(ctx: Context) -> frozenset[str]:
    messenger = ctx.services.messenger
    return messenger.long_term if isinstance(messenger, NoticeSender) else frozenset()


async def _key(ctx: Context) -> str:
    return await identity.person_key(identity.OA, ctx.msg.openid)


async def on_popup(ctx: Context) -> Step | None:
    accepted = [c.template_id for c in ctx.msg.choices if c.status == ACCEPT]
    if accepted:
        key = await _key(ctx)
        async with ctx.effect():
            await grants.record_accepted(key, accepted, app=identity.OA,
                                         long_term=_long_term(ctx))
    return None


async def on_change(ctx: Context) -> Step | None:
    long_term = _long_term(ctx)
    rejected = [c.template_id for c in ctx.msg.choices if c.status == REJECT]
    restored = [c.template_id for c in ctx.msg.choices
                if c.status == ACCEPT and c.template_id in long_term]
    if rejected or restored:
        key = await _key(ctx)
        async with ctx.effect():
            for template_id in rejected:
                await grants.withdraw(key, template_id)
            await grants.record_accepted(key, restored, app=identity.OA, long_term=long_term)
    return None


async def on_sent(ctx: Context) -> Step | None:
    failed = [c.template_id for c in ctx.msg.choices if c.error_code != 0]
    if failed:
        key = await _key(ctx)
        async with ctx.effect():
            for template_id in failed:
                await grants.withdraw(key, template_id)
    return None


EVENTS = {
    Kind.SUBSCRIBE_MSG_POPUP: on_popup,
    Kind.SUBSCRIBE_MSG_CHANGE: on_change,
    Kind.SUBSCRIBE_MSG_SENT: on_sent,
}
