"""The application factory: one aiohttp app, every resource opened and closed in cleanup_ctx."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from bot import api, console, keys, logs, privacy_download, proxies, requests, scrape, webhook
from bot.config import Settings
from bot.open311 import add_routes as add_open311_routes
from bot.photo_fetcher import WeChatMediaFetcher
from bot.signing import MessageCrypto
from bot.wechat.client import WeChatClient
from bot.wechat.messenger import NoticeKeys, WeChatMessenger
from handlers.categories import classifier
from handlers.context import Services
from handlers.pipeline import Pipeline
from handlers.ports import PhotoStore
from handlers.routes import build_router
from storage import db
from storage.kv import KV, create_redis
from storage.media import open_store

SANDBOX_PATH = "/sandbox/wechat"


def create_app(settings: Settings, *, api_base: str | None = None,
               scheduler: bool = False) -> web.Application:
    """The whole service.

    ``api_base`` is where the WeChat API lives; in sandbox mode the sandbox is mounted at
    /sandbox/wechat and ``api_base`` should point at it (``linli serve`` passes its own URL).
    """
    logs.install()  # process-wide and idempotent: no openid in any log line of the service
    app = web.Application(client_max_size=12 * 1024 * 1024)
    # First: request ids, the access log and, behind LINLI_TRUSTED_PROXIES, X-Forwarded-*.
    requests.install(app, proxies.from_settings(settings.trusted_proxies))
    app[keys.SETTINGS] = settings
    app[keys.INBOUND_OBSERVERS] = []
    app[keys.API_BASE] = api_base or settings.wechat_api_base
    keys_ = [k for k in (settings.wechat_aes_key, settings.wechat_aes_key_previous) if k]
    app[keys.CRYPTO] = (MessageCrypto(settings.wechat_token, settings.wechat_appid, keys_)
                        if keys_ else None)
    if settings.sandbox:
        _mount_sandbox(app, settings)
    app.cleanup_ctx.append(_storage)
    app.cleanup_ctx.append(_wechat)
    app.cleanup_ctx.append(_pipeline)
    if scheduler:
        from bot.scheduler import scheduler_ctx

        app.cleanup_ctx.append(scheduler_ctx)
    webhook.add_routes(app)
    add_open311_routes(app)
    api.add_routes(app)
    console.add_routes(app)
    privacy_download.add_routes(app)
    app.router.add_get("/healthz", healthz)
    scrape.add_routes(app)  # /metrics
    return app


def _mount_sandbox(app: web.Application, settings: Settings) -> None:
    from bot.sandbox import SandboxState, create_sandbox_app

    templates = [t for t in (settings.template_progress,) if t]
    state = SandboxState(appid=settings.wechat_appid, secret=settings.wechat_secret,
                         templates=templates)
    if settings.separate_miniapp:  # the sandbox plays the mini-program as well
        state.add_app(settings.miniapp_appid, settings.miniapp_secret)
    state.subscribe_templates.update(t for t in (settings.subscribe_template_progress,
                                                 settings.miniapp_subscribe_progress) if t)
    app[keys.SANDBOX] = state
    # The real WeChat knows who wrote last because it relays the message; so does ours.
    app[keys.INBOUND_OBSERVERS].append(state.observe_inbound)
    app.add_subapp(SANDBOX_PATH, create_sandbox_app(state))
    from bot.sandbox import chat  # the web chat simulator: /sandbox/chat

    chat.add_routes(app)


async def _storage(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    await db.init_db(settings.database_url)
    kv = KV(create_redis(settings.redis_url, autopipeline=settings.redis_autopipeline),
            settings.redis_prefix)
    app[keys.KV_STORE] = kv
    yield
    await kv.close()
    await db.close_db()


async def _wechat(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    session = aiohttp.ClientSession()
    app[keys.HTTP] = session
    base = app[keys.API_BASE]
    if base == "sandbox":
        raise RuntimeError("sandbox mode needs the service's own URL as api_base")
    app[keys.WECHAT] = WeChatClient(session, app[keys.KV_STORE], settings.wechat_appid,
                                    settings.wechat_secret, base)
    app[keys.WECHAT_MINIAPP] = (
        WeChatClient(session, app[keys.KV_STORE], settings.miniapp_appid,
                     settings.miniapp_secret, base)
        if settings.separate_miniapp else app[keys.WECHAT])
    yield
    await session.close()


async def _pipeline(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    media = open_store(settings.media_store, settings.media_dir)
    messenger = WeChatMessenger(app[keys.WECHAT],
                                subscribe_template=settings.subscribe_template_progress,
                                template_id=settings.template_progress,
                                miniapp_client=app[keys.WECHAT_MINIAPP],
                                miniapp_subscribe_template=settings.miniapp_subscribe_progress,
                                separate_miniapp=settings.separate_miniapp,
                                long_term=settings.subscribe_long_term,
                                keys=NoticeKeys(settings.subscribe_progress_keys,
                                                settings.miniapp_subscribe_progress_keys,
                                                settings.template_progress_keys),
                                media=media)
    services = Services(kv=app[keys.KV_STORE], messenger=messenger,
                        photos=PhotoStore(WeChatMediaFetcher(app[keys.WECHAT]), media),
                        retention=settings.retention,
                        keep_staff_history=settings.privacy_keep_staff_history,
                        public_url=settings.public_url)
    app[keys.SERVICES] = services
    pipeline = Pipeline(build_router(), services, deadline=settings.reply_deadline)
    app[keys.PIPELINE] = pipeline
    # jieba takes about a second to load: do it now, off the event loop, not in a reply.
    warm = asyncio.create_task(_warm_up())
    yield
    await warm
    await pipeline.drain()


async def _warm_up() -> None:
    await classifier.warm_up()
    # jieba's dictionary is hundreds of thousands of long-lived objects: freeze them out of
    # the garbage collector's full scans, which otherwise show up as 50-100 ms reply stalls.
    gc.collect()
    gc.freeze()


async def healthz(request: web.Request) -> web.Response:
    checks: dict[str, str] = {}
    try:
        await db.ping()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        await request.app[keys.KV_STORE].redis.ping()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = f"error: {type(exc).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return web.json_response({"status": "ok" if healthy else "degraded", **checks},
                             status=200 if healthy else 503)
