"""A small client of the ABL Desk API (docs/api.md), in the standard library only.

    api = AblApi("https://abl.example.com", token=os.environ["ABL_API_TOKEN"])
    for facility in api.pages("/api/v1/facilities/"):
        print(facility["name"], api.get(f"/api/v1/facilities/{facility['id']}/status/"))

Every error the API answers is a problem detail (RFC 9457); `ApiError` carries it, and its
text is the page's message, naming the field or row.
"""

import json
import mimetypes
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urljoin
from urllib.request import Request, urlopen


class ApiError(Exception):
    """An answer that was not a success: its status and problem detail."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        names = [
            f"{e['field']}: {e['message']}" for e in problem.get("errors", []) if e.get("field")
        ]
        detail = problem.get("detail") or problem.get("title") or f"HTTP {status}"
        super().__init__(f"{status} {detail}" + (f" ({'; '.join(names)})" if names else ""))


class AblApi:
    def __init__(self, base_url: str, *, token: str, timeout: float = 60) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.token = token
        self.timeout = timeout

    def get(self, path: str) -> Any:
        return self._send(Request(self._url(path)))

    def post(self, path: str, body: dict[str, Any], *, idempotency_key: str | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        data = json.dumps(body).encode()
        return self._send(Request(self._url(path), data=data, headers=headers, method="POST"))

    def upload(self, path: str, fields: dict[str, str], file: Path) -> Any:
        """POST a multipart form: `fields` and the file under the name `file`."""
        boundary = uuid.uuid4().hex
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{file.name}"\r\nContent-Type: {kind}\r\n\r\n'.encode()
            + file.read_bytes()
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        request = Request(self._url(path), data=b"".join(parts), headers=headers, method="POST")
        return self._send(request)

    def pages(self, path: str) -> Iterator[Any]:
        """Every item of a list, following its cursor (`next`) page after page."""
        url: str | None = self._url(path)
        while url is not None:
            page = self._send(Request(url))
            yield from page["results"]
            url = page["next"]

    def _url(self, path: str) -> str:
        return urljoin(self.base_url, path.lstrip("/"))

    def _send(self, request: Request) -> Any:
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Accept", "application/json")
        try:
            with urlopen(request, timeout=self.timeout) as answer:
                return json.load(answer)
        except HTTPError as error:
            with error:
                body = error.read()
            try:
                problem = json.loads(body)
            except ValueError:
                problem = {"title": body[:200].decode(errors="replace")}
            raise ApiError(error.code, problem) from None
