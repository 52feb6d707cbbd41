"""`Idempotency-Key` (§16; docs/api.md): a POST that moves money or makes a certificate, once.

The key's row is inserted first, in the request's transaction; a second request with the
same key waits on the unique index until the first commits, then replays the answer
stored with it. The same key with another method, path or body is a 409. A refusal rolls
the row back with everything else, so the key may be tried again.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from abl.api.problems import Problem
from abl.models import IdempotencyKey

HEADER = "Idempotency-Key"


def _file_hash(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return f"{upload.name}:{digest.hexdigest()}"


def request_fingerprint(request: Request) -> str:
    """SHA-256 of the method, the path and the body as parsed (a file by its name and hash)."""
    data: dict[str, Any] = {}
    for name in sorted(request.data):
        data[name] = request.data.get(name)
    files = {name: _file_hash(f) for name, f in request.FILES.items()}
    body = json.dumps({"data": data, "files": files}, sort_keys=True, default=str)
    text = f"{request.method}\n{request.path}\n{body}"
    return hashlib.sha256(text.encode()).hexdigest()


def idempotent(request: Request, act: Callable[[], Response]) -> Response:
    """Do `act` once per key: the first answer is stored and replayed to every repeat."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        raise Problem(400, f"This request needs an {HEADER} header.", field=HEADER)
    if len(key) > 100:
        raise Problem(400, f"An {HEADER} is 1 to 100 characters.", field=HEADER)
    fingerprint = request_fingerprint(request)
    with transaction.atomic():
        row, made = IdempotencyKey.objects.get_or_create(
            user=request.user, key=key, defaults={"request_hash": fingerprint}
        )
        if not made:
            if row.request_hash != fingerprint:
                raise Problem(
                    409,
                    f"The {HEADER} {key!r} was used for another request: "
                    "use a new key for a new request.",
                    field=HEADER,
                )
            response = Response(row.response_body, status=row.response_status)
            response["Idempotent-Replayed"] = "true"
            return response
        response = act()
        row.response_status = response.status_code
        row.response_body = json.loads(JSONRenderer().render(response.data) or b"null")
        row.save(update_fields=["response_status", "response_body"])
        return response
