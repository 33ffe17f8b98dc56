"""OpenAPI response descriptions for routes whose answers Powertools cannot infer: HTML pages,
redirects and problem+json refusals (the `Problem` schema is added when the functions' documents
are merged). A route that lists responses must list its success too: Powertools then documents
only these, which is what keeps the published document true to what we return."""

from consentmail.core.errors import PROBLEM_JSON

PROBLEM = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
HTML = {"text/html": {"schema": {"type": "string"}}}


def page(description: str) -> dict:
    return {"description": description, "content": HTML}


def redirect(description: str) -> dict:
    location = {"schema": {"type": "string", "format": "uri"}}
    return {"description": description, "headers": {"Location": location}}


def problem(description: str) -> dict:
    return {"description": description, "content": PROBLEM}


def problem_or_page(description: str) -> dict:
    """A refusal a JSON client reads as problem+json and a form post's browser as the page again."""
    return {"description": description, "content": {**PROBLEM, **HTML}}


def json_body(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}
