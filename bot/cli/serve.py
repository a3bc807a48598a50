"""``linli serve`` (the web service, optionally several worker processes) and ``linli scheduler``."""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiohttp import web

from bot import logs, loops
from bot.app import SANDBOX_PATH, create_app
from bot.config import Settings, is_loopback
from bot.scrape import MULTIPROC_ENV

BANNER = """
linli (邻里) is running on http://{host}:{port}
  webhook:   http://{host}:{port}/wechat      health: /healthz   metrics: /metrics
  {wechat}
  console:   http://{host}:{port}/console/   (the web console for staff; sign in with a
             one-time link: .venv/bin/linli console link demo-admin)
Chat with it as a WeChat user, in a second terminal:
  .venv/bin/linli chat --url http://{host}:{port}          (type 帮助 for the menu)
{chat}"""
WEB_CHAT = """or in the browser, two phones side by side (a resident and the grid worker of G01):
  http://{host}:{port}/sandbox/chat
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("serve", help="run the web service")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--workers", type=int, default=1,
                   help="processes sharing the port (needs PostgreSQL and Redis)")
    p.add_argument("--no-scheduler", action="store_true",
                   help="do not run sweeps here (run `linli scheduler` instead)")
    p.set_defaults(func=run_serve)
    s = subparsers.add_parser("scheduler", help="run only the scheduled sweeps")
    s.set_defaults(func=run_scheduler)


def _api_base(settings: Settings, port: int) -> str | None:
    return f"http://127.0.0.1:{port}{SANDBOX_PATH}" if settings.sandbox else None


# The garbage collector's youngest generation is collected every 20,000 allocations instead
# of Python's default 700. A message allocates a few thousand short-lived objects, so the
# default collects several times per message, scanning objects that are about to be freed
# anyway; the long-lived ones are frozen out of the scans after warm-up (bot.app). Paired,
# `帮助` through the webhook: -2.9 % server CPU per message (docs/benchmarks.md).
GC_THRESHOLDS = (20_000, 20, 10)


def _serve_one(settings: Settings, host: str, port: int, scheduler: bool, reuse: bool) -> None:
    logs.setup()
    gc.set_threshold(*GC_THRESHOLDS)
    app = create_app(settings, api_base=_api_base(settings, port), scheduler=scheduler)
    try:  # the access log is bot.requests' (one JSON line per request)
        web.run_app(app, host=host, port=port, reuse_port=reuse or None, print=None,
                    access_log=None, handle_signals=True,
                    loop=loops.new_loop(settings.event_loop))
    finally:
        if os.environ.get(MULTIPROC_ENV):
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(os.getpid())


@contextmanager
def metrics_dir() -> Iterator[str]:
    """The directory where the workers' metrics meet (prometheus_client's multiprocess mode),
    in the environment the workers are spawned with.

    An operator's PROMETHEUS_MULTIPROC_DIR is used (created if missing, a previous run's
    files removed); else a fresh temporary directory, removed when the workers are gone.
    """
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
        yield given
        return
    made = tempfile.mkdtemp(prefix="linli-metrics-")
    os.environ[MULTIPROC_ENV] = made  # read by prometheus_client as the workers import it
    try:
        yield made
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(made, ignore_errors=True)


def run_serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    settings.check_workers(args.workers)
    settings.check_host(args.host)  # before anything is bound
    if settings.sandbox and settings.sandbox_public and not is_loopback(args.host):
        print(f"warning: the WeChat sandbox is served on {args.host or 'every address'} "
              "(LINLI_SANDBOX_PUBLIC=1): anyone who reaches it can sign in as anyone",
              file=sys.stderr, flush=True)
    wechat = (f"WeChat:    the built-in sandbox at http://{args.host}:{args.port}{SANDBOX_PATH}"
              if settings.sandbox else f"WeChat:    {settings.wechat_api_base}")
    chat = WEB_CHAT.format(host=args.host, port=args.port) if settings.sandbox else ""
    print(BANNER.format(host=args.host, port=args.port, wechat=wechat, chat=chat), flush=True)
    scheduler = not args.no_scheduler
    if args.workers <= 1:
        _serve_one(settings, args.host, args.port, scheduler, reuse=False)
        return 0
    with metrics_dir():
        return _run_workers(settings, args.host, args.port, args.workers, scheduler)


def _run_workers(settings: Settings, host: str, port: int, workers: int,
                 scheduler: bool) -> int:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_serve_one, args=(settings, host, port, scheduler, True),
                         name=f"linli-worker-{i}") for i in range(workers)]
    for proc in procs:
        proc.start()

    def stop(*_: object) -> None:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for proc in procs:
        proc.join()
    return max((p.exitcode or 0) for p in procs)


def run_scheduler(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    logs.setup()

    async def go() -> None:
        # The same resources as the web app, without a listening socket.
        app = create_app(settings, api_base=settings.wechat_api_base
                         if not settings.sandbox else None, scheduler=True)
        runner = web.AppRunner(app)
        await runner.setup()
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    if settings.sandbox:
        print("linli scheduler needs a real WeChat API (LINLI_WECHAT_API_BASE); in the embedded "
              "sandbox mode `linli serve` runs the sweeps itself.")
        return 2
    try:
        with asyncio.Runner(loop_factory=loops.factory(settings.event_loop)) as runner:
            runner.run(go())
    except KeyboardInterrupt:
        pass
    return 0
