"""The base class of every generated model: masks secret fields in repr and str.

Fields whose schema is marked ``x-secret`` in the spec (credential keys, tokens, passwords,
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

from pydantic import BaseModel
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


class _Masked:
    """Stands in for a secret value in repr output."""

    def __repr__(self) -> str:
        return MASK


class SpecModel(BaseModel):
    """Base of the generated models; repr/str never show a field marked x-secret."""

    __secret_fields__: ClassVar[frozenset[str]] = frozenset()

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

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        """Yield the repr arguments with secret values replaced by a mask."""
        for name, value in super().__repr_args__():
            if name in self.__secret_fields__ and isinstance(value, str):
                yield name, _Masked()
            else:
                yield name, value
