"""The Official Account's custom menu: a data file in menu/create's own shape, checked here
against WeChat's limits and against the keys the bot answers before it is pushed.

WeChat's limits: 1-3 buttons; a button either acts or opens 1-5 sub-buttons; names of at most
16 bytes (sub-buttons: 60 bytes) in UTF-8; a click key of at most 128 bytes; a URL of at most
1024 bytes. WeChat shows only about 4 Chinese characters of a button (8 below) and cuts the
rest with "...": longer names are worth a warning, not a refusal.

linli pushes three types: ``click`` (a CLICK event with the key), ``view`` (opens a web page)
and ``miniprogram`` (opens a page of the mini-program; ``url`` is for clients without one).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

DEFAULT_MENU = Path(__file__).with_name("menu.json")
TYPES = ("click", "view", "miniprogram")
MAX_BUTTONS, MAX_SUB_BUTTONS = 3, 5
MAX_NAME_BYTES, MAX_SUB_NAME_BYTES = 16, 60
MAX_KEY_BYTES, MAX_URL_BYTES = 128, 1024
SHOWN_WIDTH, SHOWN_SUB_WIDTH = 8, 16  # 4 and 8 Chinese characters (2 columns each)
_APPID = re.compile(r"wx[0-9a-f]{16}")


class MenuError(ValueError):
    """The menu file cannot be read (missing, not JSON, not a menu)."""


def load(path: Path = DEFAULT_MENU) -> dict[str, Any]:
    """The menu in ``path`` as menu/create takes it: {"button": [...]}."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise MenuError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise MenuError(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("button"), list):
        raise MenuError(f'{path} must be a JSON object {{"button": [...]}}, as menu/create takes')
    return data


def items(menu: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, button) for every button that acts: "随手拍 > 我的上报", or a lone button."""
    for button in menu.get("button", []):
        if not isinstance(button, dict):
            continue
        subs = button.get("sub_button")
        if subs:
            for sub in subs if isinstance(subs, list) else []:
                if isinstance(sub, dict):
                    yield f"{button.get('name')} > {sub.get('name')}", sub
        else:
            yield str(button.get("name")), button


def problems(menu: dict[str, Any], handled: Collection[str]) -> list[str]:
    """What WeChat would refuse, or the bot would not answer (empty: fine to push)."""
    buttons = menu.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        return [f"the menu needs 1-{MAX_BUTTONS} buttons (WeChat's 40016)"]
    found: list[str] = []
    for index, button in enumerate(buttons, 1):
        found += _button(button, f"button {index}", handled)
    return found


def warnings(menu: dict[str, Any]) -> list[str]:
    """Names WeChat will shorten with "..." on the phone."""
    found = []
    for button in menu.get("button", []):
        if isinstance(button, dict) and _width(button.get("name")) > SHOWN_WIDTH:
            found.append(f"{button.get('name')!r} shows as its first 4 Chinese characters "
                         "and '...'")
    for path, item in items(menu):
        if " > " in path and _width(item.get("name")) > SHOWN_SUB_WIDTH:
            found.append(f"{path!r} shows as its first 8 Chinese characters and '...'")
    return found


def _button(button: Any, where: str, handled: Collection[str]) -> list[str]:
    if not isinstance(button, dict):
        return [f"{where} is not an object"]
    found = _name(button.get("name"), MAX_NAME_BYTES, where)
    where = f"{where} ({button.get('name')})"
    subs = button.get("sub_button")
    if subs is None or subs == []:
        return found + _action(button, where, handled)
    if not isinstance(subs, list) or not 1 <= len(subs) <= MAX_SUB_BUTTONS:
        return found + [f"{where} needs 1-{MAX_SUB_BUTTONS} sub-buttons (WeChat's 40023)"]
    if "type" in button or "key" in button:
        found.append(f"{where} opens sub-buttons, so it takes no type or key of its own")
    for index, sub in enumerate(subs, 1):
        if not isinstance(sub, dict):
            found.append(f"{where} sub-button {index} is not an object")
            continue
        found += _name(sub.get("name"), MAX_SUB_NAME_BYTES, f"{where} sub-button {index}")
        found += _action(sub, f"{where} > {sub.get('name')}", handled)
    return found


def _name(name: Any, limit: int, where: str) -> list[str]:
    if not isinstance(name, str) or not name.strip():
        return [f"{where} has no name"]
    size = len(name.encode("utf-8"))
    if size > limit:
        return [f"{where}: the name {name!r} is {size} bytes in UTF-8, WeChat takes at most "
                f"{limit} (40018/40025)"]
    return []


def _action(button: dict[str, Any], where: str, handled: Collection[str]) -> list[str]:
    kind = button.get("type")
    if kind == "click":
        return _click(button.get("key"), where, handled)
    if kind == "view":
        return _url(button.get("url"), where)
    if kind == "miniprogram":
        return _miniprogram(button, where)
    return [f"{where}: type {kind!r} is not one linli pushes ({', '.join(TYPES)})"]


def _click(key: Any, where: str, handled: Collection[str]) -> list[str]:
    if not isinstance(key, str) or not key:
        return [f"{where}: a click button needs a key"]
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        return [f"{where}: the key is longer than {MAX_KEY_BYTES} bytes (40019/40026)"]
    if key not in handled:
        return [f"{where}: the bot does not answer the key {key!r} (it answers "
                f"{', '.join(sorted(handled))})"]
    return []


def _url(url: Any, where: str) -> list[str]:
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return [f"{where}: needs a url starting with http:// or https://"]
    if len(url.encode("utf-8")) > MAX_URL_BYTES:
        return [f"{where}: the url is longer than {MAX_URL_BYTES} bytes (40020/40027)"]
    return []


def _miniprogram(button: dict[str, Any], where: str) -> list[str]:
    found = _url(button.get("url"), where + " (the page for clients without mini-programs)")
    if not _APPID.fullmatch(str(button.get("appid") or "")):
        found.append(f"{where}: needs the mini-program's appid (wx and 16 hex digits)")
    if not button.get("pagepath"):
        found.append(f"{where}: needs a pagepath, e.g. pages/index/index")
    return found


def _width(name: Any) -> int:
    return sum(1 if ord(c) < 0x2E80 else 2 for c in str(name or ""))
