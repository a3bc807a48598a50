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
