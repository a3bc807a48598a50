"""GeoReport v2 documents from plain values, as XML or JSON (the Spark convention).

A dataclass or dict is an element with children in field order; a list is an element
holding one child per item, named after the list (``services`` → ``service``); ``None`` is
an empty element (``null`` in JSON); booleans are ``true``/``false``; datetimes are W3C
datetimes in Asia/Shanghai (``2010-01-01T08:00:00+08:00``).
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from storage import clock

XML = "xml"
JSON = "json"
FORMATS = (XML, JSON)
CONTENT_TYPES = {XML: "text/xml", JSON: "application/json"}
ITEMS = {"services": "service", "service_requests": "request", "attributes": "attribute",
         "values": "value", "endpoints": "endpoint", "formats": "format", "errors": "error"}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# What XML 1.0 cannot carry, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def w3c(dt: datetime) -> str:
    return clock.local(dt).isoformat(timespec="seconds")


def plain(value: Any) -> Any:
    """Dataclasses as dicts, datetimes as W3C text: what both formats are written from."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return w3c(value)
    return value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _element(tag: str, value: Any) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, dict):
        for name, child in value.items():
            element.append(_element(name, child))
    elif isinstance(value, list):
        item = ITEMS.get(tag, "item")
        for child in value:
            element.append(_element(item, child))
    else:
        element.text = _text(value)
    return element


def to_xml(root: str, value: Any) -> bytes:
    body = ET.tostring(_element(root, plain(value)), encoding="unicode")
    return (XML_DECLARATION + body).encode()


def to_json(value: Any) -> bytes:
    return json.dumps(plain(value), ensure_ascii=False, separators=(",", ":")).encode()


def render(fmt: str, root: str, value: Any) -> bytes:
    """``root`` names the XML document element; JSON has no root (a list stays a list)."""
    return to_xml(root, value) if fmt == XML else to_json(value)
