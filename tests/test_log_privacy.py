"""Logs carry hashed openids only: a failing turn, a failing sweep, the ledger's errors and
the database's error messages (which quote the values they refused)."""

from __future__ import annotations

import json
import logging
import sqlite3

import pytest
from tortoise.exceptions import IntegrityError, ValidationError

from bot import logs
from bot.logs import JsonFormatter, hash_openid
from handlers.points import scheduled
from rewards import accounts, catalogue, ledger, redemption
from storage import clock
from tests.support.api import PREFIX

# The shape of a real Official Account openid (28 characters, "o" first).
OPENID = "oLVPpjqs9BhvzwPj5A-vTYAX3GLc"


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured line as pytest shows it and as production writes it (JSON), with the
    tracebacks, plus every record's message and arguments."""
    json_lines = [JsonFormatter().format(r) for r in caplog.records]
    raw = [f"{r.getMessage()} {r.msg!r} {r.args!r} {r.exc_text or ''}" for r in caplog.records]
    return "\n".join([caplog.text, *json_lines, *raw])


def _validation(openid: str) -> Exception:
    # What tortoise raises for a value its validators refuse: it quotes the value.
    try:
        raise ValidationError(f"Length of '{openid}' 70 > 64")
    except ValidationError as inner:
        try:
            raise ValidationError(f"openid: {inner}") from inner
        except ValidationError as outer:
            return outer


def _integrity(openid: str) -> Exception:
    # What tortoise raises for a unique key, wrapping the driver's error.
    try:
        raise sqlite3.IntegrityError(f"invalid input for query argument $1: '{openid}'")
    except sqlite3.IntegrityError as driver:
        try:
            raise IntegrityError(
                f'duplicate key value violates unique constraint "account_code_key"\n'
                f"DETAIL:  Key (code)=(points:wallet:{openid}) already exists.") from driver
        except IntegrityError as outer:
            return outer


def _plain(openid: str) -> Exception:
    return RuntimeError(f"something went wrong for {openid}")


@pytest.mark.parametrize("failure", [_validation, _integrity, _plain])
async def test_a_failing_turn_logs_the_hash_never_the_openid(bot, caplog, monkeypatch, failure):
    async def broken(openid: str, *args, **kwargs):
        raise failure(openid)

    monkeypatch.setattr("handlers.points.flows.ledger.balance", broken)
    caplog.set_level(logging.DEBUG)
    reply = await bot.say(OPENID, "积分")
    assert "系统繁忙" in reply
    assert any(r.exc_info or r.exc_text for r in caplog.records), caplog.text
    logged = everything_logged(caplog)
    assert OPENID not in logged
    assert hash_openid(OPENID) in logged
    # The person field of the production lines is the hash too.
    assert hash_openid(OPENID) in [json.loads(JsonFormatter().format(r))["person"]
                                   for r in caplog.records]


async def test_a_failing_api_request_logs_the_hash_never_the_openid(api, caplog, monkeypatch):
    caller = await api.login(OPENID)

    async def broken(openid: str, *args, **kwargs):
        raise _integrity(openid)

    monkeypatch.setattr("bot.api.routes.points.ledger.balance", broken)
    caplog.set_level(logging.DEBUG)
    resp = await api.client.get(PREFIX + "/points", headers=caller.headers())
    assert resp.status == 500
    logged = everything_logged(caplog)
    assert OPENID not in logged and hash_openid(OPENID) in logged


async def test_database_errors_lose_their_values_even_with_nobody_named(caplog):
    logs.install()
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("test.privacy")
    for exc in (_validation("secret-value-1"), _integrity("secret-value-2")):
        try:
            raise exc
        except Exception:
            log.exception("a sweep failed")
    logged = everything_logged(caplog)
    assert "secret-value" not in logged
    assert "ValidationError: openid:" in logged  # the field stays, the value goes
    assert 'unique constraint "account_code_key"' in logged


async def test_a_failing_points_sweep_names_the_resident_by_hash(bot, caplog, monkeypatch):
    resident = "o-sweep-resident"
    await ledger.grant(resident, 100, "参加社区志愿服务", key="t:sweep")
    soap = await catalogue.add_reward("洗衣液", 30, 5, pickup_place="服务站")
    await redemption.redeem(resident, soap.id, "t:sweep:redeem")

    async def broken(*args, **kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(scheduled, "tell_lapsed", broken)
    from datetime import timedelta

    clock.advance(timedelta(days=8))
    caplog.set_level(logging.DEBUG)
    assert await scheduled.expire_and_tell() == 1
    logged = everything_logged(caplog)
    assert resident not in logged and hash_openid(resident) in logged


def test_ledger_errors_do_not_quote_openids():
    with pytest.raises(ValueError) as refused:
        accounts.wallet_code("o" * 70)
    assert "o" * 70 not in str(refused.value)
    with pytest.raises(ValueError) as unknown:
        accounts.spec(f"points:wallat:{OPENID}")
    assert OPENID not in str(unknown.value)
