"""Rules about the document and its operations (VC001-VC109)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from voicecontract.errors import Issue
from voicecontract.lint.core import effective_parameters, has_body, issue, rule
from voicecontract.spec import iter_operations, pointer


@rule
def check_validator(spec: dict[str, Any]) -> Iterator[Issue]:
    """VC001/VC002: the document is valid OpenAPI 3.1 per openapi-spec-validator."""
    version = spec.get("openapi")
    if not (isinstance(version, str) and version.startswith("3.1.")):
        yield issue("VC002", "/openapi", f"expected an OpenAPI 3.1.x document, found {version!r}")
        return
    from openapi_spec_validator import OpenAPIV31SpecValidator

    validator = OpenAPIV31SpecValidator(copy.deepcopy(spec))
    for error in validator.iter_errors():
        where = pointer(*error.absolute_path) if getattr(error, "absolute_path", None) else ""
        yield issue("VC001", where, f"openapi-spec-validator: {error.message}")


# --------------------------------------------------------------------------- rules: operations


@rule
def check_operations(spec: dict[str, Any]) -> Iterator[Issue]:
    """VC101-VC109: every operation is fully documented."""
    seen_ids: dict[str, str] = {}
    declared_tags = {t.get("name") for t in spec.get("tags") or [] if isinstance(t, dict)}
    schemes = (spec.get("components") or {}).get("securitySchemes") or {}
    for path, method, op in iter_operations(spec):
        at = pointer("paths", path, method)
        op_id = op.get("operationId")
        if not isinstance(op_id, str) or not op_id:
            yield issue("VC101", at, f"{method.upper()} {path} has no operationId")
        elif op_id in seen_ids:
            yield issue("VC101", at + "/operationId", f"operationId {op_id!r} is also used by {seen_ids[op_id]}")
        else:
            seen_ids[op_id] = f"{method.upper()} {path}"
        if not str(op.get("summary") or "").strip():
            yield issue("VC102", at, f"{method.upper()} {path} has no summary")
        if not str(op.get("description") or "").strip():
            yield issue("VC109", at, f"{method.upper()} {path} has no description")
        tags = op.get("tags")
        if not isinstance(tags, list) or not tags:
            yield issue("VC103", at, f"{method.upper()} {path} has no tags")
        else:
            for i, tag in enumerate(tags):
                if tag not in declared_tags:
                    yield issue("VC103", at + pointer("tags", i), f"tag {tag!r} is not declared in the top-level tags")
        security = op.get("security", spec.get("security"))
        usable = (
            [req for req in security or [] if isinstance(req, dict) and req and all(name in schemes for name in req)]
            if isinstance(security, list)
            else []
        )
        if not usable:
            yield issue("VC104", at, f"{method.upper()} {path} has no security requirement naming a declared scheme")
        for i, req in enumerate(security or [] if isinstance(security, list) else []):
            for name in req if isinstance(req, dict) else []:
                if name not in schemes:
                    yield issue("VC104", at + pointer("security", i), f"security scheme {name!r} is not declared")
        responses = op.get("responses") or {}
        codes = {str(c) for c in responses}
        expected = "200" if method == "get" else "201" if method == "post" else None
        if expected and expected not in codes:
            yield issue(
                "VC105", at + "/responses", f"{method.upper()} must document {expected} (GET → 200, POST → 201)"
            )
        elif not any(c.startswith("2") for c in codes):
            yield issue("VC105", at + "/responses", "no 2xx response is documented")
        params = effective_parameters(spec, path, op)
        if (params or has_body(spec, op)) and "400" not in codes:
            yield issue("VC106", at + "/responses", f"{method.upper()} {path} takes input but documents no 400")
        if "401" not in codes:
            yield issue("VC107", at + "/responses", f"{method.upper()} {path} documents no 401")
        addresses = [p["name"] for p in params if p.get("required") and p.get("in") in ("path", "query")]
        if addresses and "404" not in codes:
            yield issue(
                "VC108",
                at + "/responses",
                f"{method.upper()} {path} addresses a resource by {', '.join(addresses)} but documents no 404",
            )
