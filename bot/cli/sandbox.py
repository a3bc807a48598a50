"""``linli sandbox [--host 127.0.0.1] [--port 8081]``: the WeChat sandbox as its own process.

The built-in sandbox lives inside one ``linli serve``; several processes (``linli serve
--workers 2``, two machines, ``linli scheduler``) need one WeChat they all talk to, as the
real one is. This serves ``bot.sandbox.create_sandbox_app`` alone, playing the configured
Official Account (LINLI_WECHAT_APPID / LINLI_WECHAT_SECRET, the sandbox's own by default) and
the mini-program when it is its own app (LINLI_MINIAPP_APPID / LINLI_MINIAPP_SECRET), and
prints what to set for ``linli serve``. ``linli chat`` tells it who wrote last (the 48 h
customer-service window), as WeChat knows of each message it relays.

Like the built-in one it signs anyone in as anyone: loopback addresses only, unless
LINLI_SANDBOX_PUBLIC=1.
"""

from __future__ import annotations

import argparse

BANNER = """WeChat sandbox (a stand-in for api.weixin.qq.com) on {url}
  Official Account: AppID {appid}{miniapp}
Point every linli process at it (and at one PostgreSQL and Redis), e.g.:
  export LINLI_WECHAT_API_BASE={url}
  export LINLI_WECHAT_APPID={appid}
  export LINLI_WECHAT_SECRET={secret}
  export LINLI_WECHAT_TOKEN={token}
  export LINLI_WECHAT_TEMPLATE_PROGRESS={template}
  linli serve --workers 2
Chat as a WeChat user with the same variables (it tells the sandbox who wrote, for the 48 h
customer-service window):
  linli chat --url http://127.0.0.1:8080
Mini-program sign-in: POST {url}/_sandbox/login {{"openid": "..."}} gives a wx.login() code."""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("sandbox", help="run the WeChat sandbox as its own process (for "
                                              "several linli processes)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (loopback unless LINLI_SANDBOX_PUBLIC=1)")
    p.add_argument("--port", type=int, default=8081)
    p.set_defaults(func=run_sandbox)


def run_sandbox(args: argparse.Namespace) -> int:
    from aiohttp import web

    from bot import logs
    from bot.config import Settings
    from bot.sandbox import create_sandbox_app
    from bot.sandbox.standalone import check, state_for

    settings = Settings.from_env()
    check(settings, args.host)
    state = state_for(settings)
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{args.port}"
    miniapp = (f"; mini-program: AppID {settings.miniapp_appid}"
               if settings.separate_miniapp else "")
    print(BANNER.format(url=url, appid=settings.wechat_appid, secret=settings.wechat_secret,
                        token=settings.wechat_token, template=sorted(state.templates)[0],
                        miniapp=miniapp), flush=True)
    logs.setup()
    web.run_app(create_sandbox_app(state), host=args.host, port=args.port, print=None,
                handle_signals=True)
    return 0
