"""GET services, a service definition and the discovery document: our active categories."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from handlers.categories.classifier import RULES_FILE, parse_rules
from handlers.categories.queries import active_categories, get_category
from handlers.geo.datafile import read_json
from handlers.geo.errors import GeoDataError
from handlers.open311 import texts
from handlers.open311.documents import (
    SPECIFICATION,
    Discovery,
    Endpoint,
    Service,
    ServiceDefinition,
)
from handlers.open311.errors import NotFound
from storage.geo.models import Category

KEYWORDS = 8  # the strongest classifier words of a category
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@cache
def _keywords() -> dict[str, str]:
    """The classifier's strongest positive words per category, e.g. "井盖, 窨井, 检查井"."""
    try:
        rules = parse_rules(read_json(RULES_FILE))
    except (OSError, ValueError, GeoDataError):
        return {}
    strongest = {code: [w for w, v in sorted(words.items(), key=lambda x: -x[1]) if v > 0]
                 for code, words in rules.weights.items()}
    return {code: ", ".join(words[:KEYWORDS]) for code, words in strongest.items()}


def service_notice(category: Category) -> str:
    return texts.SERVICE_NOTICE.format(name=category.name, accept=category.accept_sla_hours,
                                       resolve=category.resolve_sla_hours)


def _service(category: Category) -> Service:
    # No category asks for more than the request itself: metadata is false throughout, and
    # each definition is a valid document with no attributes.
    return Service(service_code=category.code, service_name=category.name,
                   description=category.description or category.name, metadata=False,
                   type="realtime", keywords=_keywords().get(category.code, ""),
                   group=texts.GROUPS.get(category.responsible.value, ""))


async def list_services() -> list[Service]:
    return [_service(c) for c in await active_categories()]


async def active_category(code: str) -> Category:
    """The active category ``code``, else ``NotFound``."""
    category = await get_category(code) if code else None
    if category is None or not category.active:
        raise NotFound(texts.E_UNKNOWN_SERVICE.format(code=code))
    return category


async def service_definition(code: str) -> ServiceDefinition:
    category = await active_category(code)
    return ServiceDefinition(service_code=category.code, attributes=[])


async def changeset() -> datetime:
    """The last change of the service list (a category edited): clients refresh then."""
    last = await Category.all().order_by("-updated_at").first()
    return last.updated_at if last is not None else EPOCH


async def discovery(url: str, *, test: bool) -> Discovery:
    changed = await changeset()
    return Discovery(changeset=changed, contact=texts.CONTACT, key_service=texts.KEY_SERVICE,
                     endpoints=[Endpoint(specification=SPECIFICATION, url=url,
                                         changeset=changed,
                                         type="test" if test else "production")])
