"""Validate real HTTP responses against open-api.json with a maintained validator.

openapi-schema-validator's OAS30ReadValidator (a response is "read" data) with the OAS 3.0
format checker; ``$ref``s resolve against the whole document through a ``referencing``
registry, by pointing a ``$ref`` at the response schema inside the document.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

DATA = Path(__file__).resolve().parents[1] / "data" / "openapi"
# The current contract, and the document before it for tests about what 2.9.0 removed.
DOCUMENTS = {"2.9.0": DATA / "open-api-2.9.0.json", "2.7.0": DATA / "open-api-2.7.0.json"}
CURRENT = "2.9.0"
DOC_URI = "urn:ksef:open-api.json"
API_PREFIX = "/v2"
METHODS = ("get", "post", "put", "delete", "patch")


class ContractViolation(AssertionError):
    """A response the sandbox produced does not match open-api.json."""


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass
class Operation:
    method: str
    template: str
    regex: re.Pattern[str]
    spec: dict[str, Any]

    @property
    def literal_weight(self) -> int:
        return self.template.count("{")


@dataclass
class Contract:
    document: dict[str, Any]
    registry: Registry
    operations: list[Operation]
    checked: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def find(self, method: str, path: str) -> Operation | None:
        candidates = [
            op for op in self.operations if op.method == method.lower() and op.regex.match(path)
        ]
        candidates.sort(key=lambda op: op.literal_weight)
        return candidates[0] if candidates else None

    def _validator(self, ref: str, *, write: bool = False) -> Any:
        cls = OAS30WriteValidator if write else OAS30ReadValidator
        return cls({"$ref": ref}, registry=self.registry, format_checker=oas30_format_checker)

    def validate_body(self, method: str, path: str, status: int, ctype: str, body: bytes) -> str:
        """Validate one response; returns the operation template. Raises ContractViolation."""
        op = self.find(method, path)
        if op is None:
            raise ContractViolation(f"{method} {path}: no such operation in open-api.json")
        responses = op.spec.get("responses", {})
        key = str(status)
        if key not in responses:
            raise ContractViolation(f"{method} {op.template}: status {status} is not documented")
        content = responses[key].get("content") or {}
        media = ctype.split(";")[0].strip().lower()
        if not content:
            if body:
                raise ContractViolation(f"{method} {op.template} {status}: body not expected")
            self._count(method, op.template, status)
            return op.template
        if media not in content:
            raise ContractViolation(
                f"{method} {op.template} {status}: content type {media!r} not in {list(content)}"
            )
        schema_ptr = _pointer(
            "paths", op.template, op.method, "responses", key, "content", media, "schema"
        )
        if media.endswith("json"):
            try:
                instance = json.loads(body)
            except ValueError as exc:
                raise ContractViolation(f"{method} {op.template} {status}: not JSON") from exc
            errors = list(self._validator(f"{DOC_URI}#/{schema_ptr}").iter_errors(instance))
            if errors:
                detail = "; ".join(
                    f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
                    for e in errors[:5]
                )
                raise ContractViolation(f"{method} {op.template} {status}: {detail}")
        self._count(method, op.template, status)
        return op.template

    def validate_request(self, method: str, template: str, body: Any) -> None:
        ptr = _pointer(
            "paths",
            template,
            method.lower(),
            "requestBody",
            "content",
            "application/json",
            "schema",
        )
        errors = list(self._validator(f"{DOC_URI}#/{ptr}", write=True).iter_errors(body))
        if errors:
            raise ContractViolation(f"request for {method} {template}: {errors[0].message}")

    def _count(self, method: str, template: str, status: int) -> None:
        with self.lock:
            self.checked[(method.upper(), template, status)] += 1

    def check_response(self, response: httpx.Response) -> None:
        """An httpx response event hook: every /v2 answer must match the contract."""
        path = urlsplit(str(response.request.url)).path
        if not path.startswith(API_PREFIX + "/"):
            return
        api_path = path[len(API_PREFIX) :]
        response.read()
        if response.status_code >= 500:
            # Injected faults (503 outage, 500 error rate) are outside the document.
            return
        ctype = response.headers.get("content-type", "")
        self.validate_body(
            response.request.method, api_path, response.status_code, ctype, response.content
        )


def contract(version: str = CURRENT) -> Contract:
    """The checker for open-api.json of API ``version`` (2.9.0 unless a test is about 2.7.0)."""
    return _contract(version)


@cache
def _contract(version: str) -> Contract:
    document = json.loads(DOCUMENTS[version].read_text(encoding="utf-8"))
    resource = Resource.from_contents(document, default_specification=DRAFT4)
    registry: Registry = Registry().with_resource(DOC_URI, resource)
    operations = []
    for template, item in document["paths"].items():
        pattern = re.sub(r"\{(\w+)\}", r"[^/]+", template)
        for method in METHODS:
            if method in item:
                operations.append(
                    Operation(method, template, re.compile(f"^{pattern}$"), item[method])
                )
    return Contract(document, registry, operations)


def request_examples(template: str, method: str, media: str = "application/json") -> list[Any]:
    """The request-body examples open-api.json gives for one operation."""
    spec = contract().document["paths"][template][method.lower()]
    content = spec.get("requestBody", {}).get("content", {}).get(media, {})
    found = []
    if "example" in content:
        found.append(content["example"])
    for example in (content.get("examples") or {}).values():
        if "value" in example:
            found.append(example["value"])
    return found
