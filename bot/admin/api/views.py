"""Turns an operation of the table into an aiohttp handler: checks the bearer token, reads and
validates path, query and body, calls the operation, and maps the core's coded errors to HTTP
(not found 404, invalid input 422 field by field, any other refusal 409)."""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from bot.admin.api.context import API
from bot.admin.api.spec import INT_PATH, Operation
from core.errors import DomainError, InvalidInput, NotFound
from core.numbers import whole_number

log = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset({"/openapi.json"})


def problem(status: int, error: str, **details: Any) -> web.Response:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return web.json_response({"error": error, "details": details}, status=status, headers=headers)


def invalid(fields: list[tuple[str, str]]) -> web.Response:
    body = {
        "error": "validation_failed",
        "fields": [{"field": name, "message": message} for name, message in fields],
    }
    return web.json_response(body, status=422)


def _pydantic_fields(error: ValidationError, where: str) -> list[tuple[str, str]]:
    fields = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or where
        fields.append((location if where == "body" else f"{where}.{location}", item["msg"]))
    return fields


# Where require_token leaves the name of the request's token.
CALLER = web.RequestKey("admin_api_caller", str)


@web.middleware
async def require_token(request: web.Request, handler) -> web.StreamResponse:
    resource = request.match_info.route.resource
    # The route, not the path: a path parameter may well be "openapi.json".
    public = isinstance(resource, web.PlainResource) and resource.canonical.endswith(
        tuple(PUBLIC_PATHS)
    )
    if resource is None or public:
        return await handler(request)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return problem(401, "missing_token")
    found = await request.app[API].tokens.authenticate(token.strip())
    if found is None:
        return problem(401, "invalid_token")
    request[CALLER] = found.name
    return await handler(request)


def _path_values(op: Operation, request: web.Request) -> dict[str, Any] | list[tuple[str, str]]:
    values: dict[str, Any] = {}
    errors = []
    for name, schema in op.path_params.items():
        raw = request.match_info[name]
        if schema is INT_PATH:
            number = whole_number(raw, 1, INT_PATH["maximum"])
            if number is None:
                errors.append((f"path.{name}", "must be a whole number from 1 to 2147483647"))
                continue
            values[name] = number
        elif len(raw) > schema["maxLength"]:
            errors.append((f"path.{name}", f"at most {schema['maxLength']} characters"))
        elif not raw.isprintable():
            # A NUL (any control character, a lone surrogate) is never in a name, and
            # PostgreSQL answers it in a query with an error rather than finding nothing.
            errors.append((f"path.{name}", "must be printable text"))
        else:
            values[name] = raw
    return errors or values


async def _body(op: Operation, request: web.Request) -> BaseModel | list[tuple[str, str]]:
    assert op.body is not None
    try:
        data = json.loads(await request.read() or b"null")
    except (ValueError, UnicodeDecodeError):
        return [("body", "the body is not JSON")]
    try:
        return op.body.model_validate(data)
    except ValidationError as error:
        return _pydantic_fields(error, "body")


def view(op: Operation):
    async def handle(request: web.Request) -> web.StreamResponse:
        path = _path_values(op, request)
        if isinstance(path, list):
            return invalid(path)
        kwargs: dict[str, Any] = dict(path)
        if op.query is not None:
            try:
                kwargs["query"] = op.query.model_validate(dict(request.query))
            except ValidationError as error:
                return invalid(_pydantic_fields(error, "query"))
        if op.body is not None:
            body = await _body(op, request)
            if isinstance(body, list):
                return invalid(body)
            kwargs["body"] = body
        try:
            api = request.app[API]
            if CALLER in request:
                api = dataclasses.replace(api, caller=request[CALLER])
            result = await op.handler(api, **kwargs)
        except NotFound as error:
            return problem(404, error.code, **_plain(error.details))
        except InvalidInput as error:
            fields = error.details.get("fields")
            return invalid(fields or [(str(error.details.get("field") or "body"), error.code)])
        except DomainError as error:
            return problem(409, error.code, **_plain(error.details))
        if result is None:
            return web.Response(status=op.status)
        return web.json_response(result.model_dump(mode="json"), status=op.status)

    handle.__name__ = op.operation_id
    return handle


def _plain(details: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, int | str | bool | None) else str(v) for k, v in details.items()}
