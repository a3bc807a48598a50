"""Transport layer: aiohttp app, WeChat webhook, WeChat API client, sandbox, CLI."""
