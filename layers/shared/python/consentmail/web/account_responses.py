"""The responses the account routes document in the OpenAPI document: the success and the
problem+json refusals (the `Problem` schema is added when the functions' documents are merged).
A route that lists responses must list its success too: Powertools then documents only these."""

from typing import Any

from consentmail.audience.imports import LARGE_IMPORT_ROUTE, MAX_ROWS
from consentmail.web.documented import PROBLEM

REFUSALS = {
    401: "Not signed in, wrong credentials, or a closed account (one answer for all)",
    404: "No such id for this account (another account's id answers the same)",
    409: "It already exists",
    413: f"More than {MAX_ROWS:,} rows: import the file with {LARGE_IMPORT_ROUTE}",
}


def documented(status: int, model: Any, *refusals: int, description: str = "Done") -> dict[int, dict]:
    success: dict = {"description": description}
    if model is not None:
        success["content"] = {"application/json": {"model": model}}
    return {
        status: success,
        **{code: {"description": REFUSALS[code], "content": PROBLEM} for code in refusals},
    }
