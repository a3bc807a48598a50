"""``linli doctor``: the database, Redis, the WeChat token, templates and whether every member
of staff can be reached outside WeChat's 48-hour window; non-zero exit on a failure."""

from __future__ import annotations

import pytest

from bot.config import SANDBOX_APPID, SANDBOX_SECRET, SANDBOX_TOKEN
from handlers.push.grants import record_subscribe_grant
from tests.support.cli import run_cli
from tests.support.reports_staff import G01, district

pytestmark = pytest.mark.real_clock

SUB, TPL = "sub-progress", "tpl-progress"


def env_for(db, sandbox, **extra: str) -> dict[str, str]:
    return {"LINLI_DATABASE_URL": db.database_url, "LINLI_WECHAT_API_BASE": sandbox.url,
            "LINLI_WECHAT_SECRET": SANDBOX_SECRET, "LINLI_WECHAT_APPID": SANDBOX_APPID,
            "LINLI_WECHAT_TOKEN": SANDBOX_TOKEN, "LINLI_WECHAT_TEMPLATE_PROGRESS": "",
            "LINLI_WECHAT_SUBSCRIBE_PROGRESS": "", **extra}


def line(out: str, check: str) -> str:
    return next(row for row in out.splitlines() if check in row)


async def test_warns_when_staff_cannot_be_reached_outside_the_window(db, sandbox):
    await district()
    await record_subscribe_grant(G01, SUB)
    result = await run_cli("doctor", env=env_for(db, sandbox, LINLI_WECHAT_SUBSCRIBE_PROGRESS=SUB))
    assert result.code == 0, result.out + result.err
    for check in ("database", "redis", "wechat token"):
        assert line(result.out, check).startswith("OK"), result.out
    assert line(result.out, "templates").startswith("OK")  # a subscribe template
    staff = line(result.out, "staff channels")
    assert staff.startswith("WARN") and "李建国" in staff and "王梦苏" not in staff, staff


async def test_no_template_at_all_warns(db, sandbox):
    await district()
    result = await run_cli("doctor", env=env_for(db, sandbox))
    assert result.code == 0, result.out + result.err
    assert line(result.out, "templates").startswith("WARN")
    assert "王梦苏" in line(result.out, "staff channels")


async def test_a_template_reaches_every_member_of_staff(db, sandbox):
    await district()
    result = await run_cli("doctor", env=env_for(db, sandbox, LINLI_WECHAT_TEMPLATE_PROGRESS=TPL))
    assert result.code == 0, result.out + result.err
    assert "WARN" not in result.out and "FAIL" not in result.out, result.out


async def test_the_demo_sandbox_has_a_template(db):
    await district()
    result = await run_cli("doctor", env={"LINLI_DATABASE_URL": db.database_url})
    assert result.code == 0, result.out + result.err
    assert line(result.out, "templates").startswith("OK"), result.out
    assert line(result.out, "staff channels").startswith("OK"), result.out


async def test_failures_exit_non_zero(db, sandbox):
    result = await run_cli("doctor", env=env_for(db, sandbox, LINLI_REDIS_URL="redis://127.0.0.1:1/0",
                                                 LINLI_WECHAT_SECRET="wrong-secret"))
    assert result.code == 1, result.out + result.err
    assert line(result.out, "redis").startswith("FAIL")
    assert line(result.out, "wechat token").startswith("FAIL")
    assert line(result.out, "database").startswith("OK")
