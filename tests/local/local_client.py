"""A small HTTP client for tests against a running local mode: real HTTP (urllib), no redirects
followed, every response kept so a test can assert over all of them (no Set-Cookie, ever)."""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urlencode


@dataclass
class Answer:
    status: int
    headers: Message
    body: bytes

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip()

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class LocalClient:
    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.answers: list[Answer] = []
        self._opener = urllib.request.build_opener(_NoRedirect)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> Answer:
        url = path if path.startswith("http") else self.base_url + path
        if query:
            url += ("&" if "?" in url else "?") + urlencode(query)
        assert url.startswith(("http://", "https://"))
        request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
        try:
            with self._opener.open(request, timeout=timeout) as response:
                answer = Answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            answer = Answer(error.code, error.headers, error.read())
        self.answers.append(answer)
        return answer

    def get(self, path: str, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def post_json(
        self, path: str, data, headers: dict[str, str] | None = None, *, timeout: float = 30
    ) -> Answer:
        return self.request(
            "POST",
            path,
            json.dumps(data).encode(),
            {"Content-Type": "application/json", **(headers or {})},
            timeout=timeout,
        )

    def post_form(self, path: str, fields: dict[str, str]) -> Answer:
        return self.request(
            "POST", path, urlencode(fields).encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )
