"""CPU and statements per 随手拍 step in process (issue 17), not a test of behaviour.

    .venv/bin/pytest -q -s tests/bench_report_steps.py [-k postgres] [LINLI_STEPS_N=40]

Each resident sends photo, location, description, ``1``, ``确认`` (+ ``不是`` to a duplicate
offer), at points spread over the demo street as ``benchmarks.report_bench`` does; the first ``WARM`` residents warm the process, then ``N`` are measured. Prints per
step the mean process CPU (``time.process_time``: the test client and the app share the
process, so this includes the client's small share) and the mean SQL statements.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict

import pytest

from benchmarks.report_bench import place as spread
from tests.support.reports import photo, place, report_bot
from tests.support.sqlcount import count_statements

N = int(os.environ.get("LINLI_STEPS_N", "40"))
WARM = 5
LAST: dict = {}
STEPS = ("photo", "location", "desc", "1", "确认", "不是")


@pytest.fixture
async def rbot(make_bot, tmp_path):
    return await report_bot(make_bot, tmp_path)


async def _one(bot, openid: str, i: int, cpu: dict, stmts: dict, measure: bool) -> None:
    lat, lng = spread(i, WARM + N)
    sends = (lambda: photo(bot, openid), lambda: place(bot, openid, lat=lat, lng=lng),
             lambda: bot.say(openid, "路灯不亮了晚上很黑"), lambda: bot.say(openid, "1"),
             lambda: bot.say(openid, "确认"), lambda: bot.say(openid, "不是"))
    reply = None
    for name, send in zip(STEPS, sends, strict=True):
        if name == "不是" and "是不是" not in (reply or ""):
            break
        with count_statements() as record:
            t0 = time.process_time()
            reply = await send()
            t1 = time.process_time()
        if measure:
            cpu[name].append(t1 - t0)
            stmts[name].append(len(record))
            LAST[name] = record.labels()
    assert "编号" in (reply or ""), reply


async def test_steps(rbot, backend):
    cpu: dict = defaultdict(list)
    stmts: dict = defaultdict(list)
    for i in range(WARM + N):
        await _one(rbot, f"o-b{i}", i, cpu, stmts, i >= WARM)
    total = 0.0
    print(f"\n== {backend.name}: {N} flows")
    for name in STEPS:
        n = len(cpu[name])
        if not n:
            continue
        ms = 1000 * sum(cpu[name]) / n
        total += sum(cpu[name])
        print(f"{name:8s} {ms:6.2f} ms CPU  {sum(stmts[name]) / n:5.1f} stmts  ({n} sent)")
    if os.environ.get("LINLI_STATEMENTS_SHOW"):
        for name, labels in LAST.items():
            print(name, labels)
    sent = sum(len(v) for v in cpu.values())
    print(f"all      {1000 * total / sent:6.2f} ms CPU per message ({sent} messages)")
