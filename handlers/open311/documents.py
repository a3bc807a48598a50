"""The documents of GeoReport v2 as plain values, fields in the spec's order.

``None`` is an empty element in XML and ``null`` in JSON; lists are repeated elements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ["text/xml", "application/json"]


@dataclass
class Endpoint:
    specification: str
    url: str
    changeset: datetime
    type: str  # production | test
    formats: list[str] = field(default_factory=lambda: list(FORMATS))


@dataclass
class Discovery:
    changeset: datetime
    contact: str
    key_service: str
    endpoints: list[Endpoint]


@dataclass
class Service:
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: str  # realtime: the case number comes back at once
    keywords: str  # comma separated
    group: str


@dataclass
class AttributeValue:
    key: str
    name: str


@dataclass
class Attribute:
    variable: bool
    code: str
    datatype: str
    required: bool
    datatype_description: str | None
    order: int
    description: str
    values: list[AttributeValue] = field(default_factory=list)


@dataclass
class ServiceDefinition:
    service_code: str
    attributes: list[Attribute] = field(default_factory=list)


@dataclass
class ServiceRequest:
    service_request_id: str
    status: str  # open | closed
    status_notes: str | None
    service_name: str
    service_code: str
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None  # WGS84
    long: float | None
    media_url: str | None


@dataclass
class Created:
    """The answer to a POST: the id at once (realtime), and a token that leads to it too."""

    service_request_id: str
    token: str
    service_notice: str | None
    account_id: str | None


@dataclass
class TokenAnswer:
    service_request_id: str
    token: str
