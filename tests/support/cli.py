"""Running ``linli`` as its own process, exactly as an operator does."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass


@dataclass
class CliResult:
    code: int
    out: str
    err: str


async def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60
                  ) -> CliResult:
    full_env = {**os.environ, **(env or {})}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, env=full_env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:  # never leave it running (a server would keep its port)
        proc.kill()
        await proc.wait()
        raise
    return CliResult(proc.returncode or 0, out.decode(), err.decode())


# -- In-process: ``bot.cli.main([...])`` in the test's own process (about 1 s cheaper per
# call than a subprocess). main() runs its own event loop, so these tests are plain
# functions and reach the database through ``in_db``.

def use_backend(monkeypatch, backend, redis_prefix: str | None = None) -> None:
    """Point the CLI at ``backend`` (its Redis too, under ``redis_prefix``), and nothing
    else: every other LINLI_* variable is cleared."""
    for name in list(os.environ):
        if name.startswith("LINLI_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LINLI_DATABASE_URL", backend.database_url)
    if backend.redis_url is not None:
        monkeypatch.setenv("LINLI_REDIS_URL", backend.redis_url)
    if redis_prefix is not None:
        monkeypatch.setenv("LINLI_REDIS_PREFIX", redis_prefix)


def in_db(url: str, work=None, *, empty: bool = False):
    """Run ``await work()`` against the database at ``url`` in an event loop of its own;
    ``empty=True`` empties every table first."""
    from storage.db import close_db, init_db
    from tests.conftest import _truncate_all

    async def go():
        await init_db(url)
        try:
            if empty:
                await _truncate_all()
            return await work() if work is not None else None
        finally:
            await close_db()

    return asyncio.run(go())


def run_main(*args: str) -> CliResult:
    """``linli ARGS`` in-process: its exit code (argparse's too) and what it printed."""
    import contextlib
    import io

    from bot.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as done:  # --help, a usage error
            code = done.code if isinstance(done.code, int) else 1
    return CliResult(code, out.getvalue(), err.getvalue())
