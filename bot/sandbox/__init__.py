"""A stand-in for WeChat's servers, for tests, local runs and the terminal simulator."""

from bot.sandbox.app import (
    INBOUND_PATH,
    LOGIN_PATH,
    MESSAGES_PATH,
    STATE_KEY,
    create_sandbox_app,
)
from bot.sandbox.state import SandboxState

__all__ = ["INBOUND_PATH", "LOGIN_PATH", "MESSAGES_PATH", "STATE_KEY", "SandboxState",
           "create_sandbox_app"]
