"""Minimal pairs of specs (old → new), one per change code of `voicecontract diff` (tests and bench/diff.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Doc = dict[str, Any]
JSON_BODY = "application/json"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def body(schema: Any) -> dict[str, Any]:
    return {"required": True, "content": {JSON_BODY: {"schema": schema}}}


def answer(schema: Any) -> dict[str, Any]:
    return {"description": "ok", "content": {JSON_BODY: {"schema": schema}}}


BASE: Doc = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/v1/things/create": {"post": {
            "operationId": "create_thing",
            "parameters": [{"name": "dry_run", "in": "query", "required": False, "schema": {"type": "boolean"}}],
            "requestBody": body(ref("ThingParams")),
            "responses": {"201": answer(ref("Thing")), "400": answer(ref("Error"))},
        }},
        "/v1/things": {"get": {
            "operationId": "get_thing",
            "parameters": [{"name": "id", "in": "query", "required": True, "schema": ref("Id")}],
            "responses": {"200": answer(ref("Thing"))},
        }},
    },
    "components": {"schemas": {
        "Id": {"type": "string", "maxLength": 64},
        "Error": {"type": "object", "properties": {"message": {"type": "string"}}},
        "ThingParams": {
            "type": "object", "additionalProperties": False, "required": ["name"],
            "properties": {
                "name": {"type": "string", "maxLength": 10},
                "kind": {"type": "string", "enum": ["a", "b"], "default": "a"},
                "note": {"type": ["string", "null"]},
                "token": {"type": "string", "writeOnly": True, "format": "password", "x-secret": True},
                "owner": {"oneOf": [ref("Id"), {"type": "null"}]},
                "conn": {"oneOf": [ref("ConnA"), ref("ConnB")],
                         "discriminator": {"propertyName": "type",
                                           "mapping": {"a": "#/components/schemas/ConnA",
                                                       "b": "#/components/schemas/ConnB"}}},
            },
        },
        "ConnA": {"type": "object", "properties": {"type": {"const": "a"}, "key": {"type": "string"}}},
        "ConnB": {"type": "object", "properties": {"type": {"const": "b"}, "key": {"type": "string"}}},
        "Thing": {
            "type": "object", "additionalProperties": False, "required": ["id", "name", "kind"],
            "properties": {
                "id": ref("Id"),
                "name": {"type": "string", "maxLength": 10},
                "kind": {"type": "string", "enum": ["a", "b"]},
                "note": {"type": "string"},
                "hint": {"type": "string", "readOnly": True, "maxLength": 8},
                "owner": {"oneOf": [ref("Id"), {"type": "null"}]},
            },
        },
    }},
}


def s(doc: Doc, name: str) -> dict[str, Any]:
    return doc["components"]["schemas"][name]  # type: ignore[no-any-return]


def post(doc: Doc) -> dict[str, Any]:
    return doc["paths"]["/v1/things/create"]["post"]  # type: ignore[no-any-return]


# code -> (edit the copy of BASE that becomes NEW, a pointer the change must name in NEW or OLD)
CASES: dict[str, tuple[Callable[[Doc], Any], str]] = {
    "operation-removed": (lambda d: d["paths"].pop("/v1/things"), "/paths/~1v1~1things/get"),
    "operation-added": (lambda d: d["paths"].update({"/v1/more": {"get": {"responses": {"200": answer({})}}}}),
                        "/paths/~1v1~1more/get"),
    "parameter-removed": (lambda d: post(d).update(parameters=[]), "/parameters/0"),
    "parameter-added-required": (lambda d: post(d)["parameters"].append(
        {"name": "mode", "in": "query", "required": True, "schema": {"type": "string"}}), "/parameters/1"),
    "parameter-added-optional": (lambda d: post(d)["parameters"].append(
        {"name": "mode", "in": "query", "schema": {"type": "string"}}), "/parameters/1"),
    "parameter-became-required": (lambda d: post(d)["parameters"][0].update(required=True), "/parameters/0"),
    "parameter-became-optional": (lambda d: d["paths"]["/v1/things"]["get"]["parameters"][0].update(required=False),
                                  "/parameters/0"),
    "request-body-became-required": (lambda d: d["paths"]["/v1/things"]["get"].update(requestBody=body(ref("Id"))),
                                     "/paths/~1v1~1things/get/requestBody"),
    "request-body-removed": (lambda d: post(d).pop("requestBody"), "/requestBody"),
    "request-property-removed": (lambda d: s(d, "ThingParams")["properties"].pop("note"),
                                 "/components/schemas/ThingParams/properties/note"),
    "request-property-added-required": (lambda d: (s(d, "ThingParams")["properties"].update(size={"type": "integer"}),
                                                   s(d, "ThingParams")["required"].append("size")),
                                        "/ThingParams/properties/size"),
    "request-property-added-optional": (lambda d: s(d, "ThingParams")["properties"].update(size={"type": "integer"}),
                                        "/ThingParams/properties/size"),
    "request-property-became-required": (lambda d: s(d, "ThingParams")["required"].append("kind"),
                                         "/ThingParams/properties/kind"),
    "request-property-became-optional": (lambda d: s(d, "ThingParams").update(required=[]),
                                         "/ThingParams/properties/name"),
    "request-type-narrowed": (lambda d: s(d, "ThingParams")["properties"]["note"].update(type="string"),
                              "/ThingParams/properties/note"),
    "request-type-widened": (lambda d: s(d, "ThingParams")["properties"]["name"].update(type=["string", "null"]),
                             "/ThingParams/properties/name"),
    "request-enum-value-removed": (lambda d: s(d, "ThingParams")["properties"]["kind"].update(enum=["a"]),
                                   "/ThingParams/properties/kind"),
    "request-enum-value-added": (lambda d: s(d, "ThingParams")["properties"]["kind"].update(enum=["a", "b", "c"]),
                                 "/ThingParams/properties/kind"),
    "request-option-removed": (lambda d: (s(d, "ThingParams")["properties"]["conn"]["discriminator"]["mapping"].pop("b"),
                                          s(d, "ThingParams")["properties"]["conn"]["oneOf"].pop(1)),
                               "/ThingParams/properties/conn"),
    "request-option-added": (lambda d: s(d, "ThingParams")["properties"]["owner"]["oneOf"].insert(
        1, {"type": "object", "properties": {"name": {"type": "string"}}}), "/ThingParams/properties/owner"),
    "request-constraint-tightened": (lambda d: s(d, "ThingParams")["properties"]["name"].update(maxLength=5),
                                     "/ThingParams/properties/name"),
    "request-constraint-loosened": (lambda d: s(d, "ThingParams")["properties"]["name"].update(maxLength=50),
                                    "/ThingParams/properties/name"),
    "request-closed": (lambda d: s(d, "ConnA").update(additionalProperties=False), "/components/schemas/ConnA"),
    "request-default-changed": (lambda d: s(d, "ThingParams")["properties"]["kind"].update(default="b"),
                                "/ThingParams/properties/kind"),
    "request-secret-unmarked": (lambda d: s(d, "ThingParams")["properties"].update(token={"type": "string"}),
                                "/ThingParams/properties/token"),
    "response-status-removed": (lambda d: post(d)["responses"].pop("400"), "/responses/400"),
    "response-status-added": (lambda d: post(d)["responses"].update({"409": answer(ref("Error"))}), "/responses/409"),
    "response-success-status-changed": (lambda d: post(d)["responses"].update({"200": post(d)["responses"].pop("201")}),
                                        "/responses/200"),
    "response-property-removed": (lambda d: s(d, "Thing")["properties"].pop("note"), "/Thing/properties/note"),
    "response-property-became-optional": (lambda d: s(d, "Thing")["required"].remove("kind"),
                                          "/Thing/properties/kind"),
    "response-property-became-required": (lambda d: s(d, "Thing")["required"].append("note"),
                                          "/Thing/properties/note"),
    "response-property-added": (lambda d: s(d, "Thing")["properties"].update(size={"type": "integer"}),
                                "/Thing/properties/size"),
    "response-type-widened": (lambda d: s(d, "Thing")["properties"]["note"].update(type=["string", "null"]),
                              "/Thing/properties/note"),
    "response-type-narrowed": (lambda d: s(d, "Thing")["properties"].update(owner=ref("Id")),
                               "/Thing/properties/owner"),
    "response-enum-value-added": (lambda d: s(d, "Thing")["properties"]["kind"].update(enum=["a", "b", "c"]),
                                  "/Thing/properties/kind"),
    "response-enum-value-removed": (lambda d: s(d, "Thing")["properties"]["kind"].update(enum=["a"]),
                                    "/Thing/properties/kind"),
    "response-option-added": (lambda d: s(d, "Thing")["properties"]["owner"]["oneOf"].insert(
        1, {"type": "object", "properties": {"name": {"type": "string"}}}), "/Thing/properties/owner"),
    "response-option-removed": (lambda d: s(d, "Thing")["properties"].update(
        owner={"oneOf": [{"type": "object"}, {"type": "null"}]}), "/Thing/properties/owner"),
    "response-constraint-loosened": (lambda d: s(d, "Thing")["properties"]["name"].update(maxLength=50),
                                     "/Thing/properties/name"),
    "response-constraint-tightened": (lambda d: s(d, "Thing")["properties"]["name"].update(maxLength=5),
                                      "/Thing/properties/name"),
    "response-secret-unmasked": (lambda d: s(d, "Thing")["properties"].update(hint={"type": "string"}),
                                 "/Thing/properties/hint"),
    "media-type-removed": (lambda d: post(d)["requestBody"].update(content={"text/plain": {"schema": {}}}),
                           "/requestBody/content/application~1json"),
}
