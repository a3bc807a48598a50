"""A stand-in for WeChat's servers, for tests, local runs and the terminal simulator."""

from bot.sandbox.app import MESSAGES_PATH, STATE_KEY, create_sandbox_app
from bot.sandbox.state import SandboxState

__all__ = ["MESSAGES_PATH", "STATE_KEY", "SandboxState", "create_sandbox_app"]
