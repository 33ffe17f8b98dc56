"""The REST resolver every API function uses: Powertools validation, and every error — domain,
validation, unknown route — answered as application/problem+json, never a 500 for bad input."""

import json

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from consentmail.core.errors import PROBLEM_JSON, DomainError, FieldError, Problem, problem_for
from consentmail.web import decoding

logger = Logger()

# Website forms on any origin may POST to /subscribe; nothing else is cross-origin.
SUBSCRIBE_CORS = CORSConfig(allow_origin="*", allow_headers=["Content-Type"], max_age=600)


def problem_response(problem: Problem) -> Response:
    return Response(problem.status, PROBLEM_JSON, json.dumps(problem.body()))


def _field_of(location: tuple | list) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_problem(errors: list[dict]) -> Problem:
    fields = [FieldError(_field_of(e.get("loc", ())), e.get("msg", "invalid")) for e in errors]
    detail = "; ".join(f"{f.field}: {f.message}" for f in fields) or "The request is not valid."
    return Problem(422, "Invalid input", detail, "https://consentmail.dev/problems/invalid-input", fields)


class AnchoredRestResolver(APIGatewayRestResolver):
    """Powertools' REST resolver with its route patterns anchored by \\A and \\Z. Its own `^…/*$`
    lets `$` match before a trailing newline, so `GET /lists/%0A` (the path `/lists/\\n`) was
    answered by `GET /lists`; a path must now match a route exactly, trailing slashes aside."""

    @staticmethod
    def _compile_regex(rule: str, base_regex: str = r"\A{}/*\Z"):  # noqa: ARG004 - Powertools' signature
        return ApiGatewayResolver._compile_regex(rule, r"\A{}/*\Z")

    def _call_route(self, route, route_arguments: dict[str, str]):
        """The decoding boundary (`web/decoding.py`) before validation and the route: a request
        that cannot be read is refused by the function's own exception handlers, never a 5xx."""
        try:
            decoding.admit(self.current_event)
        except DomainError as error:
            refused = self._call_exception_handler(error, route)
            if refused is not None:
                return refused
            raise
        return super()._call_route(route, route_arguments)


def make_resolver(cors: CORSConfig | None = None) -> APIGatewayRestResolver:
    app = AnchoredRestResolver(enable_validation=True, cors=cors)

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported(error: RequestUnsupportedContentType) -> Response:
        messages = [e["msg"] for e in error.errors() if e.get("msg")]
        return problem_response(
            Problem(
                415,
                "Unsupported media type",
                f"{messages[0] if messages else 'This content type is not accepted'}: send a JSON body"
                " with Content-Type: application/json.",
                "https://consentmail.dev/problems/unsupported-media-type",
            )
        )

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response:
        return problem_response(validation_problem(list(error.errors())))

    @app.exception_handler(DomainError)
    def _refused(error: DomainError) -> Response:
        return problem_response(problem_for(error))

    @app.not_found
    def _not_found(_error) -> Response:
        return problem_response(Problem(404, "Not found", "There is nothing at this address."))

    return app


def client_ip(app: APIGatewayRestResolver) -> str:
    return app.current_event.request_context.identity.source_ip or ""


def user_agent(app: APIGatewayRestResolver) -> str:
    return app.current_event.headers.get("User-Agent") or app.current_event.headers.get("user-agent") or ""
