"""Fuzzing /api/v1 from its own OpenAPI document (schemathesis), as each kind of person.

The service runs as operators run it (``linli serve``, PostgreSQL, Redis, the sandbox mounted
in-process) with the demo data. Every operation gets generated requests from a resident, a
grid worker and an admin: no response may be a 5xx, and every status, content type and body
must be one the document declares.
"""

from __future__ import annotations

import asyncio
import itertools
import os

import aiohttp
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from storage.core.models import Person, Role
from tests.support.cli import run_cli
from tests.test_processes import serving

EXAMPLES = int(os.environ.get("LINLI_FUZZ_EXAMPLES", "12"))
# Valid requests (positive), and invalid ones (negative), which must be refused with a 4xx.
MODES = [GenerationMode(m) for m in os.environ.get("LINLI_FUZZ_MODES",
                                                   "positive,negative").split(",")]


@schemathesis.check
def content_type_of_the_api(ctx, response, case):
    """The document's content types, for requests that reach the API: a request line over
    aiohttp's limit (8190 bytes; negative generation makes such cursors) is refused by the
    HTTP server itself with a plain-text 400, as a proxy would with its own 414."""
    if response.status_code == 400 and "Got more than 8190 bytes" in response.text:
        return None
    return content_type_conformance(ctx, response, case)


CHECKS = [not_a_server_error, status_code_conformance, content_type_of_the_api,
          response_schema_conformance]
# Signing out, or erasing oneself, would end the session the rest of the run uses
# (tests/test_api_auth.py and tests/test_privacy_data.py test them).
SKIP = {"POST /auth/logout", "DELETE /me"}
PEOPLE = {"o-fuzz-resident": None, "demo-grid-g01": Role.GRID_WORKER,
          "o-fuzz-admin": Role.ADMIN}


async def _login(http: aiohttp.ClientSession, url: str, openid: str) -> str:
    async with http.post(url + "/sandbox/wechat/_sandbox/login", json={"openid": openid}) as r:
        code = (await r.json())["code"]
    async with http.post(url + "/api/v1/auth/login", json={"code": code}) as r:
        assert r.status == 200, await r.text()
        return (await r.json())["token"]


def _run(operation: schemathesis.APIOperation, base: str, token: str,
         session: requests.Session, calls: dict[str, int],
         statuses: dict[str, set[int]], mode: GenerationMode) -> None:
    label = operation.label
    headers = {"Authorization": f"Bearer {token}"}
    checks = CHECKS if mode is GenerationMode.POSITIVE else [*CHECKS, negative_data_rejection]

    @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case) -> None:
        calls[label] = calls.get(label, 0) + 1
        response = case.call_and_validate(base_url=base, session=session, headers=headers,
                                          checks=checks, timeout=30)
        statuses.setdefault(label, set()).add(response.status_code)

    check()


def _fuzz(schema: schemathesis.BaseSchema, base: str, tokens: dict[str, str]
          ) -> tuple[list[str], dict[str, int], dict[str, set[int]]]:
    failures: list[str] = []
    calls: dict[str, int] = {}
    statuses: dict[str, set[int]] = {}
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in SKIP:
            continue
        for (who, token), mode in itertools.product(tokens.items(), MODES):
            try:
                _run(operation, base, token, session, calls, statuses, mode)
            except Unsatisfiable:  # nothing in the operation can be made invalid
                assert mode is GenerationMode.NEGATIVE, operation.label
            except (Exception, BaseExceptionGroup) as exc:  # collect all: one report for the API
                failures.append(f"{operation.label} as {who}: {exc}"[:3000])
    return failures, calls, statuses


@pytest.mark.real_clock  # other processes run on the real time of day
@pytest.mark.slow
async def test_the_api_matches_its_document_under_fuzzing(pg_db, redis_prefix, tmp_path):
    env = {"LINLI_DATABASE_URL": pg_db.database_url, "LINLI_REDIS_URL": pg_db.redis_url,
           "LINLI_REDIS_PREFIX": redis_prefix, "LINLI_MEDIA_DIR": str(tmp_path / "media"),
           "LINLI_WECHAT_API_BASE": "", "LINLI_WECHAT_SECRET": "",
           "LINLI_API_RATE_PERSON": "1000000", "LINLI_API_RATE_IP": "1000000"}
    loaded = await run_cli("demo-data", env=env)
    assert loaded.code == 0, loaded.err
    for openid, role in PEOPLE.items():
        person, _ = await Person.get_or_create(openid=openid)
        if role is not None:
            person.role = role
            await person.save()
    async with serving(env) as url, aiohttp.ClientSession() as http:
        tokens = {openid: await _login(http, url, openid) for openid in PEOPLE}
        async with http.get(url + "/api/v1/openapi.json") as r:
            document = await r.json()
        schema = schemathesis.openapi.from_dict(document)
        if os.environ.get("LINLI_FUZZ_BREAK"):  # prove the test can fail: lie in the document
            document["components"]["schemas"]["Me"]["properties"]["role"] = {"type": "integer"}
            schema = schemathesis.openapi.from_dict(document)
        failures, calls, statuses = await asyncio.to_thread(_fuzz, schema, url + "/api/v1", tokens)
    assert not failures, "\n\n".join(failures)
    if GenerationMode.POSITIVE not in MODES:
        return
    # every operation was exercised, each by every person
    assert set(calls) == {f"{m.upper()} {p}" for p, ops in document["paths"].items()
                          for m in ops} - SKIP
    assert min(calls.values()) >= len(PEOPLE)
    # the sessions held: no request was turned away as signed out
    assert not [label for label, seen in statuses.items() if 401 in seen]
    assert 200 in statuses["GET /me"]
