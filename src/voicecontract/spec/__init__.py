"""The OpenAPI document and everything derived from it.

* ``load``: reading a spec file, a git revision of one, or the packaged copy;
* ``pointer``: JSON pointers and ``$ref`` resolution;
* ``schema``: questions about schema nodes (unions, nullability, defaults, secrets);
* ``index``: the API facts (operations and roles, resources, connection types, references).
"""

from voicecontract.spec.index import ConnectionType, Operation, Resource, SpecIndex, index, index_for
from voicecontract.spec.load import (
    SpecLoadError,
    load_spec,
    load_spec_file,
    packaged_spec,
    packaged_spec_bytes,
    parse_spec_text,
    repo_spec_path,
)
from voicecontract.spec.pointer import escape_token, pointer, pointer_get, ref_name, resolve, split_pointer
from voicecontract.spec.references import Reference
from voicecontract.spec.schema import HTTP_METHODS, Schemas, iter_operations, iter_subschemas, walk

__all__ = [
    "HTTP_METHODS",
    "ConnectionType",
    "Operation",
    "Reference",
    "Resource",
    "Schemas",
    "SpecIndex",
    "SpecLoadError",
    "escape_token",
    "index",
    "index_for",
    "iter_operations",
    "iter_subschemas",
    "load_spec",
    "load_spec_file",
    "packaged_spec",
    "packaged_spec_bytes",
    "parse_spec_text",
    "pointer",
    "pointer_get",
    "ref_name",
    "repo_spec_path",
    "resolve",
    "split_pointer",
    "walk",
]
