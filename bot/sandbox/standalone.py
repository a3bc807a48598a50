"""The sandbox run as its own process (``linli sandbox``): which apps it plays, where it may
listen."""

from __future__ import annotations

from bot.config import (
    PRODUCTION_API_BASE,
    SANDBOX_TEMPLATE,
    ConfigError,
    Settings,
    is_loopback,
)
from bot.sandbox.state import SandboxState


def check(settings: Settings, host: str) -> None:
    """Refuse the real WeChat's settings, and a non-loopback address unless
    LINLI_SANDBOX_PUBLIC=1 (the sandbox signs anyone in as anyone)."""
    if settings.wechat_api_base == PRODUCTION_API_BASE:
        raise ConfigError(
            "the environment configures the real WeChat API (LINLI_WECHAT_SECRET without "
            "LINLI_WECHAT_API_BASE): the sandbox stands in for WeChat, so run it with the "
            "sandbox's credentials (unset LINLI_WECHAT_SECRET) or set LINLI_WECHAT_API_BASE "
            "to where the sandbox will listen")
    if settings.sandbox_public or is_loopback(host):
        return
    raise ConfigError(
        f"--host {host or '(all addresses)'} is not a loopback address, and the WeChat sandbox "
        "lets anyone sign in as anyone (administrators included) through /_sandbox/login. "
        "Serve it on 127.0.0.1 (the default) or ::1, or set LINLI_SANDBOX_PUBLIC=1 if this "
        "is a demonstration meant to be public")


def state_for(settings: Settings) -> SandboxState:
    """The Official Account of the settings (and the mini-program when it is its own app),
    knowing the configured progress templates (the sandbox's own when none is set)."""
    state = SandboxState(appid=settings.wechat_appid, secret=settings.wechat_secret,
                         templates=[settings.template_progress or SANDBOX_TEMPLATE])
    if settings.separate_miniapp:
        state.add_app(settings.miniapp_appid, settings.miniapp_secret)
    if settings.subscribe_template_progress:
        state.subscribe_templates.add(settings.subscribe_template_progress)
    return state
