"""The documents against the GeoReport v2 spec's own examples (tests/data/open311).

Two kinds of check: the renderer fed the spec's example values gives back the spec's
example, element for element (XML) and key for key (JSON); and what the running app serves
has the same skeleton - element names, nesting and order - as the spec's example.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from bot.open311.render import to_json, to_xml, w3c
from handlers.open311 import services
from handlers.open311.documents import (
    Attribute,
    AttributeValue,
    Created,
    Discovery,
    Endpoint,
    Service,
    ServiceDefinition,
    ServiceRequest,
    TokenAnswer,
)
from storage.core.models import Open311Request
from tests.support.open311 import P, api_key, form, get, open311_bot, post, xml_of

DATA = Path(__file__).parent / "data" / "open311"


def spec_xml(name: str) -> ET.Element:
    return ET.parse(DATA / f"{name}.xml").getroot()


def spec_json(name: str):
    return json.loads((DATA / f"{name}.json").read_text())


def tree(element: ET.Element) -> tuple:
    """Tag, text (whitespace folded) and children, recursively: the values count."""
    return (element.tag, " ".join((element.text or "").split()),
            tuple(tree(child) for child in element))


def skeleton(element: ET.Element) -> tuple:
    """Tag and children, a run of same-named children (a list) as its first: values aside."""
    kids: list[ET.Element] = []
    for child in element:
        if not kids or kids[-1].tag != child.tag:
            kids.append(child)
    return (element.tag, tuple(skeleton(child) for child in kids))


def folded(value):
    """JSON with strings' whitespace folded (the spec's media_url carries a stray space)."""
    if isinstance(value, dict):
        return {k: folded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [folded(v) for v in value]
    return " ".join(value.split()) if isinstance(value, str) else value


def ours(root: str, value) -> ET.Element:
    return xml_of(to_xml(root, value).decode())


# -- the renderer against the spec's examples ---------------------------------------------

def _spec_services() -> list[Service]:
    found = []
    for element in spec_xml("services"):
        values = {c.tag: c.text for c in element}
        values["metadata"] = values["metadata"] == "true"
        found.append(Service(**values))
    return found


def test_services_render_as_the_spec_example():
    spec = spec_xml("services")
    mine = ours("services", _spec_services())
    assert tree(mine)[:2] == tree(spec)[:2] and len(mine) == len(spec) == 3
    # The spec's first service lists the fields in its table's order; the others shuffle them.
    assert tree(mine[0]) == tree(spec[0])
    for m, s in zip(mine, spec, strict=True):
        assert [c.tag for c in m] == [c.tag for c in spec[0]]
        assert {c.tag: c.text for c in m} == {c.tag: c.text for c in s}
    assert json.loads(to_json(_spec_services())) == spec_json("services")


DEFINITION = {"service_code": "DMV66", "attributes": [Attribute(
    variable=True, code="WHISHETN", datatype="singlevaluelist", required=True,
    datatype_description=None, order=1, description="What is the ticket/tag/DL number?",
    values=[AttributeValue("123", "Ford"), AttributeValue("124", "Chrysler")])]}


def test_service_definition_renders_as_the_spec_example():
    definition = ServiceDefinition(**DEFINITION)
    assert tree(ours("service_definition", definition)) == tree(spec_xml("service_definition"))
    assert json.loads(to_json(definition)) == spec_json("service_definition")


def _spec_requests() -> list[ServiceRequest]:
    found = []
    for element in spec_xml("service_requests"):
        values = {c.tag: (c.text or None) for c in element}
        values["lat"], values["long"] = float(values["lat"]), float(values["long"])
        found.append(ServiceRequest(**values))
    return found


def test_service_requests_render_as_the_spec_example():
    requests = _spec_requests()
    assert tree(ours("service_requests", requests)) == tree(spec_xml("service_requests"))
    assert folded(json.loads(to_json(requests))) == folded(spec_json("service_requests"))


def test_post_answer_is_the_spec_example_plus_the_token():
    notice = " ".join(spec_xml("post_response").findtext("request/service_notice").split())
    created = Created(service_request_id="293944", token="tok", service_notice=notice,
                      account_id=None)
    mine, spec = ours("service_requests", [created]), spec_xml("post_response")
    # The one documented addition: the token, where the spec's token document has it.
    assert [c.tag for c in mine[0]] == ["service_request_id", "token", "service_notice",
                                        "account_id"]
    mine[0].remove(mine[0].find("token"))
    assert tree(mine) == tree(spec)
    answer = json.loads(to_json([created]))
    assert answer[0].pop("token") == "tok"
    assert answer == spec_json("post_response")


def test_token_answer_and_errors_render_as_the_spec_examples():
    token = [TokenAnswer(service_request_id="638344", token="12345")]
    assert tree(ours("service_requests", token)) == tree(spec_xml("token_response"))
    assert json.loads(to_json(token)) == spec_json("token_response")
    error = [{"code": 403, "description": "Invalid api_key received -- can't proceed with "
                                          "create_request."}]
    assert tree(ours("errors", error)) == tree(spec_xml("errors"))
    assert json.loads(to_json(error)) == spec_json("errors")


def test_discovery_renders_as_the_spec_example():
    spec = spec_json("discovery")
    discovery = Discovery(
        changeset=spec["changeset"], contact=spec["contact"], key_service=spec["key_service"],
        endpoints=[Endpoint(**e) for e in spec["endpoints"]])
    assert tree(ours("discovery", discovery)) == tree(spec_xml("discovery"))
    assert json.loads(to_json(discovery)) == spec


def test_datetimes_are_w3c_with_their_zone_and_text_is_escaped():
    assert w3c(datetime(2010, 4, 14, 14, 37, 38, tzinfo=UTC)) == "2010-04-14T22:37:38+08:00"
    tricky = Service("x", "<b>&\"'\x01", "a]]>b", False, "realtime", "", "")
    element = ours("services", [tricky])
    assert element.findtext("service/service_name") == "<b>&\"'"
    assert element.findtext("service/description") == "a]]>b"
    assert element.findtext("service/metadata") == "false"


# -- what the app serves has the spec's skeleton ------------------------------------------

@pytest.fixture
async def obot(make_bot, tmp_path):
    return await open311_bot(make_bot, tmp_path)


def _first_keys(spec_list: list[dict]) -> list[str]:
    return list(spec_list[0])


async def test_served_services(obot):
    resp = await get(obot, "services.xml", jurisdiction_id="nanhu.example")  # ignored
    assert resp.status == 200 and resp.content_type == "text/xml" and resp.charset == "utf-8"
    root = xml_of(await resp.text())
    assert skeleton(root) == skeleton(spec_xml("services"))
    assert len(root) == 16 and root[0].findtext("service_code") == "road_damage"
    garbage = next(s for s in root if s.findtext("service_code") == "garbage")
    assert garbage.findtext("service_name") == "垃圾堆放"
    assert garbage.findtext("metadata") == "false" and garbage.findtext("type") == "realtime"
    assert garbage.findtext("group") == "网格事务" and "垃圾" in garbage.findtext("keywords")
    body = await (await get(obot, "services.json")).json()
    assert [list(s) for s in body] == [_first_keys(spec_json("services"))] * 16
    assert all(isinstance(s["service_code"], str) and s["metadata"] is False for s in body)


async def test_served_service_definition_has_no_attributes(obot):
    root = xml_of(await (await get(obot, "services/garbage.xml")).text())
    assert [c.tag for c in root] == ["service_code", "attributes"]
    assert root.findtext("service_code") == "garbage" and len(root.find("attributes")) == 0
    # The skeleton of the spec's example, less the attribute we do not have.
    spec = skeleton(spec_xml("service_definition"))
    assert skeleton(root) == (spec[0], (spec[1][0], (spec[1][1][0], ())))
    assert await (await get(obot, "services/garbage.json")).json() == {
        "service_code": "garbage", "attributes": []}


async def test_served_requests_post_answer_and_token(obot):
    key = await api_key()
    resp = await post(obot, form(key, account_id="acc-9"))
    assert resp.status == 200, await resp.text()
    answer = xml_of(await resp.text())
    spec = skeleton(spec_xml("post_response"))
    expected = (spec[0], ((spec[1][0][0], (("service_request_id", ()), ("token", ()),
                                            *spec[1][0][1][1:])),))
    assert skeleton(answer) == expected
    number = answer.findtext("request/service_request_id")
    assert number == "A1001" and answer.findtext("request/account_id") == "acc-9"
    assert "4 小时内受理" in answer.findtext("request/service_notice")

    listed = xml_of(await (await get(obot, "requests.xml")).text())
    assert skeleton(listed) == skeleton(spec_xml("service_requests"))
    one = xml_of(await (await get(obot, f"requests/{number}.xml")).text())
    assert skeleton(one) == skeleton(spec_xml("service_requests")) and len(one) == 1
    body = await (await get(obot, "requests.json")).json()
    assert list(body[0]) == _first_keys(spec_json("service_requests"))
    assert body[0]["service_request_id"] == "A1001" and body[0]["service_code"] == "garbage"
    assert isinstance(body[0]["lat"], float) and isinstance(body[0]["long"], float)

    token = (await Open311Request.get(case_number=number)).token
    assert answer.findtext("request/token") == token
    got = xml_of(await (await get(obot, f"tokens/{token}.xml")).text())
    assert tree(got) == ("service_requests", "", (("request", "", (
        ("service_request_id", number, ()), ("token", token, ()))),))
    assert skeleton(got) == skeleton(spec_xml("token_response"))
    assert await (await get(obot, f"tokens/{token}.json")).json() == [
        {"service_request_id": number, "token": token}]


async def test_served_errors_and_discovery(obot):
    bad = xml_of(await (await get(obot, "requests/A99999.xml")).text())
    assert skeleton(bad) == skeleton(spec_xml("errors"))
    body = await (await get(obot, "requests/A99999.json")).json()
    assert [list(e) for e in body] == [_first_keys(spec_json("errors"))]

    root = xml_of(await (await get(obot, "discovery.xml")).text())
    assert skeleton(root) == skeleton(spec_xml("discovery"))
    assert root.findtext("endpoints/endpoint/specification") == \
        "http://wiki.open311.org/GeoReport_v2"
    assert root.findtext("endpoints/endpoint/url").endswith(P)
    assert root.findtext("endpoints/endpoint/type") == "production"  # not the sandbox
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == [
        "text/xml", "application/json"]
    doc = await (await get(obot, "discovery.json")).json()
    assert list(doc) == list(spec_json("discovery"))
    assert list(doc["endpoints"][0]) == list(spec_json("discovery")["endpoints"][0])
    # The changeset follows the categories: clients re-read the service list when it moves.
    assert doc["changeset"] == doc["endpoints"][0]["changeset"] and doc["changeset"] > "2020"


async def test_discovery_of_the_sandbox_is_a_test_endpoint(db):
    found = await services.discovery("http://x/open311/v2", test=True)
    assert found.endpoints[0].type == "test"
