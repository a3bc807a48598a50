"""LINLI_EVENT_LOOP: uvloop by default where installed, asyncio on request, anything else refused."""

from __future__ import annotations

import asyncio

import pytest
import uvloop

from bot import loops
from bot.config import ConfigError, Settings


def test_uvloop_is_the_default_where_installed():
    assert Settings.from_env({}).event_loop == "uvloop"


@pytest.mark.parametrize("value", ["asyncio", "ASYNCIO", " uvloop "])
def test_either_loop_may_be_chosen(value):
    assert Settings.from_env({"LINLI_EVENT_LOOP": value}).event_loop == value.strip().lower()


def test_an_unknown_loop_is_refused_with_the_choices():
    with pytest.raises(ConfigError, match="uvloop or asyncio"):
        Settings.from_env({"LINLI_EVENT_LOOP": "tokio"})


def test_uvloop_refused_where_it_is_missing(monkeypatch):
    monkeypatch.setattr(loops, "available", lambda name: name == "asyncio")
    with pytest.raises(ConfigError, match="not installed"):
        Settings.from_env({"LINLI_EVENT_LOOP": "uvloop"})


@pytest.mark.parametrize(("name", "kind"), [("uvloop", uvloop.Loop),
                                            ("asyncio", asyncio.BaseEventLoop)])
def test_the_factory_makes_that_loop(name, kind):
    loop = loops.factory(name)()
    try:
        assert isinstance(loop, kind)
        assert loop.run_until_complete(asyncio.sleep(0, "ran")) == "ran"
    finally:
        loop.close()
