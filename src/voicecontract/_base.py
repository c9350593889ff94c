"""The base class of every generated model (``base-class`` in the generator configuration).

It does two things the generator cannot express:

* **JSON integers.** JSON Schema counts ``2.0`` as an integer (and schemathesis sends it), while
  pydantic's strict ``int`` refuses every float. A before-validator turns whole floats into ints
  for integer fields, so the models accept exactly what the spec accepts; ``"2"`` and ``true``
  stay rejected.
* **Errors.** ``hide_input_in_errors``: a ``ValidationError`` names the field and the rule, never
  the value that broke it.
* **Secrets.** Fields whose schema is marked ``x-secret`` in the spec (credential keys, tokens, passwords,
signing secrets) are shown as ``'****'`` by ``repr()``, ``str()`` and therefore by logging.
The values stay plain ``str`` so the spec's patterns keep applying (pydantic's ``SecretStr``
cannot carry a pattern); ``model_dump()`` returns them, because storing or sending them is the
point. Never log a dump.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic.fields import FieldInfo

MASK = "'****'"


def annotation_is_secret(annotation: Any, _depth: int = 0) -> bool:
    """Whether a field annotation carries the spec's ``x-secret`` marker anywhere inside."""
    if _depth > 8 or annotation is None:
        return False
    value = getattr(annotation, "__value__", None)  # a TypeAliasType made from a named schema
    if value is not None and not isinstance(annotation, type):
        return annotation_is_secret(value, _depth + 1)
    if typing.get_origin(annotation) is typing.Annotated:
        args = typing.get_args(annotation)
        for meta in args[1:]:
            if isinstance(meta, FieldInfo):
                extra = meta.json_schema_extra
                if isinstance(extra, dict) and extra.get("x-secret") is True:
                    return True
        return annotation_is_secret(args[0], _depth + 1)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(annotation_is_secret(a, _depth + 1) for a in typing.get_args(annotation))
    return False


def annotation_is_int(annotation: Any, _depth: int = 0) -> bool:
    """Whether a field annotation admits a JSON integer (int, StrictInt, or a union with one)."""
    if _depth > 8 or annotation is None:
        return False
    if annotation is int:
        return True
    value = getattr(annotation, "__value__", None)
    if value is not None and not isinstance(annotation, type):
        return annotation_is_int(value, _depth + 1)
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return annotation_is_int(typing.get_args(annotation)[0], _depth + 1)
    if origin in (typing.Union, types.UnionType):
        return any(annotation_is_int(a, _depth + 1) for a in typing.get_args(annotation))
    return False


WHOLE_FLOAT_LIMIT = 2**53


class _Masked:
    """Stands in for a secret value in repr output."""

    def __repr__(self) -> str:
        return MASK


class SpecModel(BaseModel):
    """Base of the generated models; repr/str never show a field marked x-secret, errors never show input."""

    # A ValidationError's text would otherwise quote each bad value (`input_value='sk-proj-…'`): a
    # secret in every log line that formats it. Subclasses' own model_config merges with this.
    model_config = ConfigDict(hide_input_in_errors=True)

    __secret_fields__: ClassVar[frozenset[str]] = frozenset()
    __int_fields__: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """Record which fields are secret once the subclass's fields are known."""
        super().__pydantic_init_subclass__(**kwargs)
        secret = set()
        for name, field in cls.model_fields.items():
            extra = field.json_schema_extra
            if isinstance(extra, dict) and extra.get("x-secret") is True:
                secret.add(name)
            elif annotation_is_secret(field.annotation) or any(
                annotation_is_secret(m) for m in field.metadata if not isinstance(m, FieldInfo)
            ):
                secret.add(name)
        cls.__secret_fields__ = frozenset(secret)
        cls.__int_fields__ = frozenset(
            name for name, field in cls.model_fields.items() if annotation_is_int(field.annotation)
        )

    @model_validator(mode="before")
    @classmethod
    def _whole_floats_are_integers(cls, data: Any) -> Any:
        """Read ``2.0`` as the integer 2 in integer fields, as JSON Schema does."""
        if not cls.__int_fields__ or not isinstance(data, dict):
            return data
        fixed = None
        for name in cls.__int_fields__.intersection(data):
            value = data[name]
            if isinstance(value, float) and value.is_integer() and abs(value) <= WHOLE_FLOAT_LIMIT:
                fixed = fixed if fixed is not None else dict(data)
                fixed[name] = int(value)
        return data if fixed is None else fixed

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        """Yield the repr arguments with secret values replaced by a mask."""
        for name, value in super().__repr_args__():
            if name in self.__secret_fields__ and isinstance(value, str):
                yield name, _Masked()
            else:
                yield name, value
