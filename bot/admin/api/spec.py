"""The admin API's operations as data: each names its method, path, parameters and body and
response models. Routes are registered from this table and the OpenAPI document is built from
it, so the two cannot disagree."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from bot.admin.api.schemas import Problem, ValidationProblem

Handler = Callable[..., Awaitable[Any]]

INT_PATH = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
TEXT_PATH = {"type": "string", "minLength": 1, "maxLength": 128}


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str  # under /api/v1, with {name} parameters
    handler: Handler
    summary: str
    tag: str
    response: type[BaseModel] | None
    status: int = 200
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    path_params: dict[str, dict] = field(default_factory=dict)
    errors: tuple[int, ...] = (404,)

    @property
    def operation_id(self) -> str:
        return self.handler.__name__


def _schema(model: type[BaseModel], components: dict[str, Any], mode: str) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a value: never JSON null."""
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if len(options) == 1:
        rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
        return {**rest, **options[0]}
    return {k: v for k, v in schema.items() if k != "default" or v is not None}


def _query_parameters(model: type[BaseModel], components: dict[str, Any]) -> list[dict]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(schema.pop("$defs", {}))
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": _without_null(prop)}
        for name, prop in schema["properties"].items()
    ]


def openapi_document(operations: Sequence[Operation], prefix: str) -> dict[str, Any]:
    components: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    problem = {"application/json": {"schema": _schema(Problem, components, "serialization")}}
    invalid = {
        "application/json": {"schema": _schema(ValidationProblem, components, "serialization")}
    }
    for op in operations:
        responses: dict[str, Any] = {}
        if op.response is None:
            responses[str(op.status)] = {"description": "done"}
        else:
            content = {
                "application/json": {"schema": _schema(op.response, components, "serialization")}
            }
            responses[str(op.status)] = {"description": "done", "content": content}
        responses["401"] = {"description": "no valid bearer token", "content": problem}
        for status in op.errors:
            responses[str(status)] = {"description": _ERROR_TEXT[status], "content": problem}
        if op.body or op.query or op.path_params:
            responses["422"] = {"description": "invalid input, field by field", "content": invalid}
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": schema}
            for name, schema in op.path_params.items()
        ]
        if op.query:
            parameters += _query_parameters(op.query, components)
        entry: dict[str, Any] = {
            "operationId": op.operation_id,
            "summary": op.summary,
            "tags": [op.tag],
            "responses": responses,
        }
        if parameters:
            entry["parameters"] = parameters
        if op.body:
            entry["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": _schema(op.body, components, "validation")}
                },
            }
        paths.setdefault(prefix + op.path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ispbot admin API",
            "version": "1",
            "description": "For the ISP's operators. Every call needs `Authorization: Bearer "
            "<token>`; create one with `ispbot admin create-token --name NAME`.",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


_ERROR_TEXT = {
    404: "not found",
    409: "refused by a rule (already done, or in a state that does not allow it)",
}


def register(app: web.Application, operations: Sequence[Operation], view: Callable) -> None:
    for op in operations:
        app.router.add_route(op.method, op.path, view(op), name=op.operation_id)
