"""Flow.effects: only the steps that may take an effect are checked for one taken before a
crash (a query saved on every other message), and an effect anywhere else is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.context import Context
from handlers.flows import Flow, done
from handlers.inbound import Inbound, Kind
from storage.state import ConversationState
from tests.support.reports import photo, place, report_bot
from tests.support.sqlcount import count_statements


@pytest.fixture
async def rbot(make_bot, tmp_path):
    return await report_bot(make_bot, tmp_path)


async def test_the_report_flow_asks_about_earlier_effects_only_where_it_takes_them(rbot, backend):
    await photo(rbot, "o-eff")
    await place(rbot, "o-eff")
    with count_statements() as described:
        await rbot.say("o-eff", "路灯不亮了晚上很黑")
    with count_statements() as chosen:
        await rbot.say("o-eff", "1")
    with count_statements() as confirmed:
        assert "编号" in (await rbot.say("o-eff", "确认") or "")
    def asks(record) -> bool:  # a SELECT reading processed_message (with the facts or not)
        return any(sql.startswith("SELECT") and '"processed_message"' in sql
                   for sql in record.sql)

    for record in (described, chosen):
        assert not asks(record), record.show()
    assert asks(confirmed), confirmed.show()


def _ctx(step: str) -> Context:
    msg = Inbound(kind=Kind.TEXT, openid="o-x", dedup_key="m:1", created_at=datetime.now(UTC),
                  text="x")
    ctx = Context(msg=msg, person=None, state=ConversationState("f", step, {}, "run1"),
                  services=None)
    ctx.effect_steps = Flow("f", lambda c: done(None), effects=frozenset({"confirm"})).effects
    return ctx


def test_an_effect_outside_the_declared_steps_is_refused():
    with pytest.raises(RuntimeError, match="not among its flow's effects"):
        _ctx("describe").effect()
    assert _ctx("confirm").effect() is not None


def test_a_flow_without_a_list_may_take_effects_anywhere():
    flow = Flow("f", lambda c: done(None))
    assert flow.may_take_effect("anything") and flow.may_take_effect(None)
    assert not Flow("f", lambda c: done(None), effects=frozenset({"a"})).may_take_effect("b")
