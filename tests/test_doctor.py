"""``linli doctor``: the configuration, the database and its migrations, Redis, WeChat (reach,
token, menu), templates and whether every member of staff can be reached outside WeChat's
48-hour window; every line that is not OK says what to do, and a FAIL exits 1.

The checks run in-process (``doctor(env)`` is what the command runs on os.environ); one test
runs the real command.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.cli.doctor import FAIL, OK, WARN, Check, doctor
from bot.wechat import menu as menus
from handlers.push.grants import record_subscribe_grant
from tests.support.cli import run_cli
from tests.support.reports_staff import G01, district

SUB, TPL = "sub-progress", "tpl-progress"
# The account under test: an app of the test's sandbox with credentials of its own (the
# sandbox's public secret would bring the demo template with it).
APPID, SECRET, TOKEN = "wx0123456789abcdef", "a-real-looking-app-secret", "doctortoken"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


@pytest.fixture
def env(db, sandbox, redis_prefix):
    sandbox.state.add_app(APPID, SECRET)

    def make(**extra: str) -> dict[str, str]:
        base = {"LINLI_DATABASE_URL": db.database_url, "LINLI_WECHAT_API_BASE": sandbox.url,
                "LINLI_WECHAT_SECRET": SECRET, "LINLI_WECHAT_APPID": APPID,
                "LINLI_WECHAT_TOKEN": TOKEN, "LINLI_REDIS_PREFIX": redis_prefix}
        if db.redis_url:
            base["LINLI_REDIS_URL"] = db.redis_url
        return {**base, **extra}

    return make


def line(checks: list[Check], name: str) -> Check:
    return next(check for check in checks if check.name == name)


def levels(checks: list[Check]) -> dict[str, str]:
    return {check.name: check.level for check in checks if check.name != "configuration"}


async def test_warns_when_staff_cannot_be_reached_outside_the_window(env):
    await district()
    await record_subscribe_grant(G01, SUB)
    checks = await doctor(env(LINLI_WECHAT_SUBSCRIBE_PROGRESS=SUB))
    for name in ("database", "migrations", "redis", "wechat reach", "wechat token", "templates"):
        assert line(checks, name).level == OK, checks
    staff = line(checks, "staff channels")
    assert staff.level == WARN and "李建国" in staff.detail and "王梦苏" not in staff.detail
    assert "grant subscribe messages" in staff.detail  # what to do


async def test_no_template_at_all_warns(env):
    await district()
    checks = await doctor(env())
    assert line(checks, "templates").level == WARN
    assert "LINLI_WECHAT_TEMPLATE_PROGRESS" in line(checks, "templates").detail
    assert "王梦苏" in line(checks, "staff channels").detail


async def test_a_template_reaches_every_member_of_staff(env, sandbox):
    await district()
    sandbox.state.menus[APPID] = menus.load()
    checks = await doctor(env(LINLI_WECHAT_TEMPLATE_PROGRESS=TPL))
    assert set(levels(checks).values()) == {OK}, checks
    assert "every key answered" in line(checks, "wechat menu").detail


async def test_a_production_configuration_is_ok(env, db):
    await district()
    checks = await doctor(env(LINLI_WECHAT_TEMPLATE_PROGRESS=TPL, LINLI_WECHAT_AES_KEY=AES_KEY,
                              LINLI_PUBLIC_URL="https://linli.example.gov.cn",
                              LINLI_TRUSTED_PROXIES="127.0.0.1"))
    config = [c for c in checks if c.name == "configuration"]
    if db.is_postgres:
        assert [c.level for c in config] == [OK], config
    else:  # SQLite and the in-process Redis are for one machine's demo
        assert {c.level for c in config} == {WARN}
        assert any("PostgreSQL" in c.detail for c in config)
        assert any("LINLI_REDIS_URL" in c.detail for c in config)


async def test_configuration_gaps_say_what_to_set(env):
    checks = await doctor(env(LINLI_PUBLIC_URL="https://linli.example.gov.cn"))
    config = " / ".join(c.detail for c in checks if c.name == "configuration")
    assert "LINLI_WECHAT_AES_KEY" in config and "LINLI_TRUSTED_PROXIES" in config
    assert all(c.level == WARN for c in checks if c.name == "configuration")
    plain = await doctor(env(LINLI_WECHAT_AES_KEY=AES_KEY))
    assert any("LINLI_PUBLIC_URL" in c.detail for c in plain if c.name == "configuration")


async def test_a_wrong_setting_is_one_failure(env):
    checks = await doctor(env(LINLI_WECHAT_APPID="not-an-appid"))
    assert [(c.level, c.name) for c in checks] == [(FAIL, "configuration")]
    assert "LINLI_WECHAT_APPID must look like wx" in checks[0].detail
    proxies = await doctor(env(LINLI_TRUSTED_PROXIES="the-proxy"))
    assert proxies[0].level == FAIL and "LINLI_TRUSTED_PROXIES" in proxies[0].detail


async def test_failures(env):
    checks = await doctor(env(LINLI_REDIS_URL="redis://127.0.0.1:1/0",
                              LINLI_WECHAT_SECRET="wrong-secret"))
    assert line(checks, "database").level == OK
    redis = line(checks, "redis")
    assert redis.level == FAIL and "LINLI_REDIS_URL" in redis.detail
    token = line(checks, "wechat token")
    assert token.level == FAIL and token.detail.startswith("40125 invalid appsecret (")
    assert "LINLI_WECHAT_SECRET" in token.detail
    assert line(checks, "wechat reach").level == OK


async def test_wechat_out_of_reach(env):
    checks = await doctor(env(LINLI_WECHAT_API_BASE="http://127.0.0.1:1"))
    reach = line(checks, "wechat reach")
    assert reach.level == FAIL and "http://127.0.0.1:1 unreachable" in reach.detail
    assert "LINLI_WECHAT_API_BASE" in reach.detail
    assert not [c for c in checks if c.name in ("wechat token", "wechat menu")]


async def test_the_menu(env, sandbox):
    checks = await doctor(env())
    menu = line(checks, "wechat menu")
    assert menu.level == WARN and "linli wechat menu push" in menu.detail
    sandbox.state.menus[APPID] = {"button": [
        {"type": "click", "name": "旧按钮", "key": "OLD_KEY"},
        {"type": "click", "name": "帮助", "key": "HELP"}]}
    menu = line(await doctor(env()), "wechat menu")
    assert menu.level == WARN and "OLD_KEY" in menu.detail and "HELP" not in menu.detail


async def test_an_unmigrated_database(env, tmp_path: Path):
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    checks = await doctor(env(LINLI_DATABASE_URL=f"sqlite://{empty}"))
    assert line(checks, "database").level == OK
    schema = line(checks, "migrations")
    assert schema.level == FAIL and str(empty) in schema.detail
    assert "has no linli tables: run `linli migrate`" in schema.detail
    assert not [c for c in checks if c.name == "staff channels"]

    nowhere = tmp_path / "nowhere.sqlite3"
    checks = await doctor(env(LINLI_DATABASE_URL=f"sqlite://{nowhere}"))
    database = line(checks, "database")
    assert database.level == FAIL and "no such file" in database.detail
    assert not nowhere.exists()  # looking does not create it


async def test_a_migration_not_applied(env, sqlite_url, tmp_path: Path):
    copy = tmp_path / "behind.sqlite3"
    shutil.copy(sqlite_url.removeprefix("sqlite://"), copy)
    with sqlite3.connect(copy) as conn:
        [(latest,)] = conn.execute("SELECT MAX(name) FROM tortoise_migrations "
                                   "WHERE app = 'core'").fetchall()
        conn.execute("DELETE FROM tortoise_migrations WHERE app = 'core' AND name = ?",
                     (latest,))
    checks = await doctor(env(LINLI_DATABASE_URL=f"sqlite://{copy}"))
    schema = line(checks, "migrations")
    assert schema.level == FAIL and schema.detail.startswith("1 of ")
    assert f"(core.{latest})" in schema.detail and "run `linli migrate`" in schema.detail


async def test_the_demo_sandbox_as_the_operator_runs_it(db):
    """The one run of the real command (about 2 s a backend)."""
    await district()
    result = await run_cli("doctor", "--json", env={"LINLI_DATABASE_URL": db.database_url})
    assert result.code == 0, result.out + result.err
    report = json.loads(result.out)
    checks = {c["name"]: c for c in report["checks"]}
    assert report["ok"] is True
    assert checks["configuration"]["level"] == WARN  # the sandbox is for demos
    assert checks["templates"]["level"] == OK and checks["staff channels"]["level"] == OK
    assert checks["migrations"]["level"] == OK
