"""The OpenAPI 3.1 document, built from the same ``Operation`` declarations that route requests.

Schemas come from the pydantic models (JSON Schema 2020-12, which OpenAPI 3.1 uses as is);
every status an operation can answer is listed with its body, so a client generator or a
fuzzer (``tests/test_api_fuzz.py``, schemathesis) can hold the implementation to it.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from bot.api.errors import MESSAGES
from bot.api.idempotency import HEADER
from bot.api.operations import Operation
from bot.api.schemas import Error

REF = "#/components/schemas/{model}"
_PARAM = re.compile(r"{(\w+)}")


def _models(operations: list[Operation]) -> list[tuple[type[BaseModel], str]]:
    pairs: dict[tuple[type[BaseModel], str], None] = {(Error, "serialization"): None}
    for op in operations:
        if op.body is not None:
            pairs[(op.body, "validation")] = None
        if op.response is not None:
            pairs[(op.response, "serialization")] = None
    return list(pairs)


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required,
                                 "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


def _multipart(op: Operation) -> dict[str, Any]:
    assert op.body is not None and op.upload_into
    schema = copy.deepcopy(op.body.model_json_schema(ref_template=REF))
    schema.pop("$defs", None)
    props = schema.setdefault("properties", {})
    props.pop(op.upload_into, None)
    props[op.upload_field] = {"type": "array", "minItems": 1, "maxItems": op.max_files,
                              "items": {"type": "string", "contentMediaType": "image/jpeg",
                                        "format": "binary"},
                              "description": "JPEG/PNG 照片，每张不超过 10 MB"}
    # The files are required where the JSON's ids are (a wish may come without a photo).
    listed = schema.get("required", [])
    required = [r for r in listed if r != op.upload_into]
    schema["required"] = [*required, op.upload_field] if op.upload_into in listed else required
    return schema


def _operation(op: Operation, refs: dict[tuple[type[BaseModel], str], Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {"operationId": op.operation_id, "tags": [op.tag],
                           "summary": op.summary}
    if op.description:
        doc["description"] = op.description
    params = _parameters(op)
    if params:
        doc["parameters"] = params
    if op.body is not None:
        doc["requestBody"] = _request_body(op, refs)
    doc["responses"] = _responses(op, refs)
    if not op.public:
        doc["security"] = [{"session": []}]
    else:
        doc["security"] = []
    return doc


def _parameters(op: Operation) -> list[dict[str, Any]]:
    params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
              for name in _PARAM.findall(op.path)]
    if op.query is not None:
        params.extend(_query_parameters(op.query))
    if op.idempotent:
        params.append({"name": HEADER, "in": "header", "required": False,
                       "description": "同一个键重复提交只生效一次，并返回第一次的结果",
                       "schema": {"type": "string", "minLength": 1, "maxLength": 255,
                                  "pattern": r"^[\x21-\x7e]+$"}})
    return params


def _request_body(op: Operation, refs: dict[tuple[type[BaseModel], str], Any]) -> dict[str, Any]:
    content: dict[str, Any] = {} if op.multipart_only else {
        "application/json": {"schema": refs[(op.body, "validation")]}}
    if op.upload_into:
        content["multipart/form-data"] = {"schema": _multipart(op)}
    return {"required": True, "content": content}


def _responses(op: Operation, refs: dict[tuple[type[BaseModel], str], Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    error = {"content": {"application/json": {"schema": refs[(Error, "serialization")]}}}
    for status in op.statuses():
        if status == op.status:
            entry: dict[str, Any] = {"description": "成功"}
            if op.produces:
                entry["content"] = {media: {"schema": {"type": "string", "format": "binary"}}
                                    for media in op.produces}
            elif op.response is not None and status != 204:
                entry["content"] = {"application/json": {
                    "schema": refs[(op.response, "serialization")]}}
            responses[str(status)] = entry
        else:
            responses[str(status)] = {"description": MESSAGES.get(status, "错误"), **error}
    return responses


def build(operations: list[Operation], *, version: str = "1.0.0") -> dict[str, Any]:
    refs, top = models_json_schema(_models(operations), ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": "linli 邻里 mini-program API", "version": version,
                 "description": "The API behind the linli mini-program: 随手拍 reports, 微心愿 "
                                "wishes, points and rewards. Errors are "
                                '{"error": {"code", "message"}}; lists are cursor-paged; '
                                "times are ISO-8601 with an offset."},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": top.get("$defs", {}),
            "securitySchemes": {"session": {
                "type": "http", "scheme": "bearer",
                "description": "POST /auth/login 返回的 token"}},
        },
    }
