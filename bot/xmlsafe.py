"""Parsing untrusted callback XML: no DTDs, no entities, no external references."""

from __future__ import annotations

from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring


class BadXml(ValueError):
    pass


class Fields(dict[str, str]):
    """The root's children as text values, and in ``lists`` the ones holding a list of items
    (``<SubscribeMsgPopupEvent><List>...</List><List>...</List></SubscribeMsgPopupEvent>``):
    the container's tag -> one dict of child texts per item."""

    def __init__(self, values: dict[str, str] | None = None,
                 lists: dict[str, list[dict[str, str]]] | None = None) -> None:
        super().__init__(values or {})
        self.lists = lists or {}


def parse_fields(body: bytes | str) -> Fields:
    """The children of the root ``<xml>`` element as a flat dict of text values (with the
    item lists of nested ones in ``Fields.lists``)."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise BadXml(str(exc)) from None
    if root.tag != "xml":
        raise BadXml("root element must be <xml>")
    lists = {child.tag: [{leaf.tag: (leaf.text or "").strip() for leaf in item}
                         for item in child if len(item)]
             for child in root if len(child)}
    return Fields({child.tag: (child.text or "") for child in root}, lists)
