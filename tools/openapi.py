"""The OpenAPI document of every public and account route, merged from the API functions'
Powertools resolvers (each generates its own), with the responses the gateway itself gives
(401, 413, 429) and our problem+json error schema in place of Powertools' default 422 schema,
since problem+json is what we return.

    python -m tools.openapi docs/openapi.json
"""

import copy
import importlib
import json
import sys
from pathlib import Path

from consentmail.audience.imports import LARGE_IMPORT_ROUTE, MAX_ROWS
from consentmail.core import attribute_names, header_text
from consentmail.core.addresses import email_format
from consentmail.core.routes import MAX_BODY_BYTES, MAX_HEADER_BYTES, ROUTES, Function, http_functions
from consentmail.subject_requests.models import SubjectRequestInput
from consentmail.subscription.models import SubscribeRequest
from consentmail.web import decoding

TITLE = "consentmail"
VERSION = "1.0.0"
PROBLEM_JSON = "application/problem+json"
PROBLEM_REF = "#/components/schemas/Problem"
SECURITY_SCHEME = "cognitoIdToken"

PROBLEM_SCHEMAS = {
    "Problem": {
        "title": "Problem",
        "description": "An RFC 9457 problem detail; `errors` lists the fields of a 422.",
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
        },
    },
    "FieldError": {
        "title": "FieldError",
        "type": "object",
        "required": ["field", "message"],
        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
    },
}
# Powertools' own validation error schemas, which describe bodies we never send.
_POWERTOOLS_ERROR_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")


# Text with something else than whitespace (as str.strip() sees it: ECMA-262's \s is another set).
NOT_BLANK = r"[^\t-\r\x1C- \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
# The rights page's form: flat fields; the names are the rectification's changes.
RIGHTS_FORM = {
    "type": "object",
    "required": ["email", "type"],
    "properties": {
        "email": {"type": "string", **email_format()},
        "type": {"type": "string", "enum": ["access", "rectification", "erasure"]},
        "first_name": {"type": "string", "maxLength": 100, "pattern": header_text.PATTERN},
        "last_name": {"type": "string", "maxLength": 100, "pattern": header_text.PATTERN},
    },
    # A rectification names what to correct: a first or a last name that is not blank.
    "if": {"required": ["type"], "properties": {"type": {"const": "rectification"}}},
    "then": {
        "anyOf": [
            {"required": [name], "properties": {name: {"pattern": NOT_BLANK}}}
            for name in ("first_name", "last_name")
        ]
    },
}


def _request_schemas() -> dict[str, dict]:
    """Schemas of the bodies below that no typed signature puts into the components."""
    schema = SubjectRequestInput.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions = schema.pop("$defs", {})
    return {**definitions, "SubjectRequestInput": schema}


def _request_bodies() -> dict[tuple[str, str], dict]:
    """Bodies the handlers read themselves (two content types, or CSV), which Powertools cannot
    infer from a typed signature."""
    subscribe = SubscribeRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    subject_request = {"$ref": "#/components/schemas/SubjectRequestInput"}
    return {
        ("post", "/subscribe"): {
            "required": True,
            "content": {
                "application/json": {"schema": subscribe},
                "application/x-www-form-urlencoded": {"schema": subscribe},
            },
        },
        ("post", "/subject-requests"): {
            "required": True,
            "content": {
                "application/json": {"schema": subject_request},
                "application/x-www-form-urlencoded": {"schema": RIGHTS_FORM},
            },
        },
        ("post", "/lists/{list_id}/contacts/import"): {
            "required": True,
            "description": "A header row (email, first_name, last_name, tracking_consent, any other "
            f"column becomes an attribute), then up to {MAX_ROWS:,} rows (more: {LARGE_IMPORT_ROUTE}).",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
    }


def _problem_response(description: str) -> dict:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}}


def _token_parameter() -> dict:
    return {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}


# Functions served by a plain handler rather than a resolver (tracking: the hottest path, kept
# free of the validation machinery) are described here, from the contract.
PLAIN_HANDLER_PATHS: dict[Function, dict] = {
    Function.TRACKING: {
        "/t/o/{token}": {
            "get": {
                "summary": "Open pixel",
                "description": "Always a 1x1 GIF; records an open when the token is valid and the contact "
                "allows tracking. Sets no cookie.",
                "operationId": "tracking_open",
                "parameters": [_token_parameter()],
                "responses": {
                    "200": {
                        "description": "A 1x1 transparent GIF (Cache-Control: no-store)",
                        "content": {"image/gif": {"schema": {"type": "string", "format": "binary"}}},
                    }
                },
            }
        },
        "/t/c/{token}": {
            "get": {
                "summary": "Click redirect",
                "description": "Redirects to the link exactly as the campaign wrote it; records a click.",
                "operationId": "tracking_click",
                "parameters": [_token_parameter()],
                "responses": {
                    "302": {"description": "Redirect to the campaign's link (Location header)"},
                    "404": _problem_response("Unknown or invalid token"),
                },
            }
        },
    }
}


# Pages opened from an emailed link: their handlers read `token` from the query themselves, so that a
# missing or bad one answers the 400 page rather than a validation error; the document says it is
# required all the same.
LINK_TOKEN_ROUTES = frozenset(
    {
        ("get", "/confirm"),
        ("post", "/confirm"),
        ("get", "/unsubscribe"),
        ("post", "/unsubscribe"),
        ("get", "/preferences"),
        ("post", "/preferences"),
        ("get", "/subject-requests/confirm"),
        ("post", "/subject-requests/confirm"),
        ("get", "/subject-requests/export"),
    }
)
LINK_TOKEN = {
    "name": "token",
    "in": "query",
    "required": True,
    "description": "The token of the emailed link; a missing, malformed, tampered with or expired one "
    "answers 400",
    "schema": {"type": "string", "minLength": 1},
}
PLAIN_HANDLER_PATHS_ALL = frozenset(path for paths in PLAIN_HANDLER_PATHS.values() for path in paths)
UNREADABLE = (
    "The request cannot be read: a body, query value, path parameter or header that is not UTF-8 "
    "text, or a body that is not what its content type says"
)
UNSUPPORTED = "The body's content type is not one this route reads (see the request body's content types)"
NO_SUCH_ID = "No such id for this account (another account's id answers the same)"


class OpenApiError(RuntimeError):
    """The document cannot be built (a function or a route is missing)."""


def resolver_of(function: Function, required: bool = True):
    name = f"functions.{function.value}.handler"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name and name.startswith(error.name):
            raise OpenApiError(
                f"cannot document the {function.value} function: module {name} is missing"
            ) from error
        raise
    app = getattr(module, "app", None)
    if required and (app is None or not hasattr(app, "get_openapi_schema")):
        raise OpenApiError(f"{name} has no Powertools resolver named `app`")
    return app


def function_document(function: Function) -> dict:
    if function in PLAIN_HANDLER_PATHS:
        resolver_of(function, required=False)  # the function must exist all the same
        return {"paths": copy.deepcopy(PLAIN_HANDLER_PATHS[function])}
    app = resolver_of(function)
    try:
        return json.loads(app.get_openapi_json_schema(title=TITLE, version=VERSION))
    except Exception as error:  # Powertools raises pydantic errors for annotations it cannot describe
        bare = _bare_response_routes(app)
        hint = (
            f" (routes annotated with a bare `-> Response`, which Powertools can neither validate nor "
            f"document: {', '.join(bare)}; annotate `-> Response[...]` or drop the annotation)"
            if bare
            else ""
        )
        raise OpenApiError(
            f"the {function.value} function's resolver cannot generate its OpenAPI schema: "
            f"{type(error).__name__}: {str(error).splitlines()[0]}{hint}"
        ) from error


def _bare_response_routes(app) -> list[str]:
    from aws_lambda_powertools.event_handler import Response

    routes = list(getattr(app, "_static_routes", [])) + list(getattr(app, "_dynamic_routes", []))
    found = []
    for route in routes:
        if getattr(route.func, "__annotations__", {}).get("return") is Response:
            methods = route.method if isinstance(route.method, str) else "/".join(route.method)
            found.append(f"{methods} {route.openapi_path}")
    return sorted(set(found))


def _merge_components(target: dict, source: dict, origin: str) -> None:
    for kind, entries in (source or {}).items():
        merged = target.setdefault(kind, {})
        for name, value in entries.items():
            if name in merged and merged[name] != value and name not in _POWERTOOLS_ERROR_SCHEMAS:
                raise OpenApiError(f"components.{kind}.{name} differs between functions (again in {origin})")
            merged[name] = value


def _uses(document: dict, ref: str) -> bool:
    return f'"{ref}"' in json.dumps(document)


def _where(node, name: str, path: str = "") -> list[str]:
    """The JSON paths that refer to the schema `name` (for error messages)."""
    ref = f"#/components/schemas/{name}"
    if isinstance(node, dict):
        if node.get("$ref") == ref:
            return [path or "/"]
        return [p for key, value in node.items() for p in _where(value, name, f"{path}/{key}")]
    if isinstance(node, list):
        return [p for index, value in enumerate(node) for p in _where(value, name, f"{path}/{index}")]
    return []


def _refer_to_attributes(node) -> None:
    """Replace each schema the attribute models marked by a reference to the `Attributes` component."""
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    for child in children:
        if isinstance(child, dict) and child.get(attribute_names.MARKER):
            child.clear()
            child["$ref"] = f"#/components/schemas/{attribute_names.SCHEMA_NAME}"
        else:
            _refer_to_attributes(child)


def _document_refusals(path: str, operation: dict, auth: bool) -> None:
    """The answers every route of its kind gives, whatever its handler documents: the decoding
    boundary's 400, the gateway's 413, 429 and 431, the content type check's 415, the authorizer's
    401, an unknown id's 404; and a 204 has no body (Powertools documents `null` JSON for it)."""
    responses = operation["responses"]
    responses.setdefault(
        "431", _problem_response(f"The request line and headers exceed {MAX_HEADER_BYTES} bytes")
    )
    if path in PLAIN_HANDLER_PATHS_ALL:
        responses.setdefault("413", _problem_response(f"The body is larger than {MAX_BODY_BYTES} bytes"))
        responses.setdefault("429", _problem_response("Too many requests: retry later"))
        return
    responses.setdefault("400", _problem_response(UNREADABLE))
    if "requestBody" in operation:
        responses.setdefault("415", _problem_response(UNSUPPORTED))
    responses.setdefault("413", _problem_response(f"The body is larger than {MAX_BODY_BYTES} bytes"))
    responses.setdefault("429", _problem_response("Too many requests: retry later"))
    if auth:
        operation["security"] = [{SECURITY_SCHEME: []}]
        responses.setdefault("401", _problem_response("Missing, invalid or expired ID token"))
        if "{" in path:
            responses.setdefault("404", _problem_response(NO_SUCH_ID))
    if "204" in responses:
        responses["204"].pop("content", None)


def build_document(servers: list[str] | None = None) -> dict:
    """The merged document; OpenApiError if a function module is missing or a route undocumented."""
    document: dict = {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": (
                "Privacy-first email marketing. Errors are application/problem+json. Account routes "
                "need `Authorization: Bearer <id_token>` from POST /auth/login. Bodies and query values "
                "are UTF-8 text (else 400). A number anywhere in a JSON body is one DynamoDB stores "
                f"exactly: {decoding.NUMBER_RULE}, and 0 or at least 1e-130 in magnitude (else 422 "
                f"naming it); a JSON body nests at most {decoding.MAX_JSON_DEPTH} levels."
            ),
        },
        "paths": {},
        "components": {"schemas": {}},
    }
    for function in http_functions():
        part = function_document(function)
        for path, operations in part.get("paths", {}).items():
            target = document["paths"].setdefault(path, {})
            for method, operation in operations.items():
                if method in target:
                    raise OpenApiError(f"{method.upper()} {path} is served by two functions")
                target[method] = operation
        _merge_components(document["components"], part.get("components", {}), function.value)

    missing = [
        f"{route.method} {route.path}"
        for route in ROUTES
        if route.method.lower() not in document["paths"].get(route.path, {})
    ]
    if missing:
        raise OpenApiError("routes of the route table no function serves: " + ", ".join(missing))

    for name, schema in _request_schemas().items():
        document["components"]["schemas"].setdefault(name, schema)
    # Referred to by every model with attributes (the schema is recursive, so it is a component).
    document["components"]["schemas"][attribute_names.SCHEMA_NAME] = copy.deepcopy(attribute_names.SCHEMA)
    _refer_to_attributes(document)
    for (method, path), body in _request_bodies().items():
        document["paths"][path][method].setdefault("requestBody", body)

    for method, path in LINK_TOKEN_ROUTES:
        operation = document["paths"][path][method]
        others = [p for p in operation.get("parameters", []) if p["name"] != "token"]
        operation["parameters"] = [copy.deepcopy(LINK_TOKEN), *others]

    auth = {(route.method.lower(), route.path) for route in ROUTES if route.auth}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, response in list(responses.items()):
                if any(_where(response, name) for name in _POWERTOOLS_ERROR_SCHEMAS):
                    responses[status] = _problem_response(
                        "Invalid input" if str(status) == "422" else "Error"
                    )
            _document_refusals(path, operation, (method, path) in auth)

    schemas = document["components"]["schemas"]
    for name in _POWERTOOLS_ERROR_SCHEMAS:
        schemas.pop(name, None)
    schemas.update(copy.deepcopy(PROBLEM_SCHEMAS))
    for name in _POWERTOOLS_ERROR_SCHEMAS:
        if _uses(document, f"#/components/schemas/{name}"):
            raise OpenApiError(
                f"a response still refers to Powertools' {name} schema: {_where(document, name)}"
            )
    if auth:
        document["components"]["securitySchemes"] = {
            SECURITY_SCHEME: {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "The Cognito ID token from POST /auth/login.",
            }
        }
    if servers:
        document["servers"] = [{"url": url} for url in servers]
    return document


def write(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(build_document(), indent=2, sort_keys=True) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tools.openapi <output.json>", file=sys.stderr)
        return 2
    try:
        write(Path(argv[0]))
    except OpenApiError as error:
        print(f"openapi: {error}", file=sys.stderr)
        return 1
    print(f"openapi: wrote {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
