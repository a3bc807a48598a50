"""Parsing untrusted callback XML: no DTDs, no entities, no external references."""

from __future__ import annotations

from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring


class BadXml(ValueError):
    pass


def parse_fields(body: bytes | str) -> dict[str, str]:
    """The children of the root ``<xml>`` element as a flat dict of text values."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise BadXml(str(exc)) from None
    if root.tag != "xml":
        raise BadXml("root element must be <xml>")
    return {child.tag: (child.text or "") for child in root}
