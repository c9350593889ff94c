"""The Pydantic v2 models generated from the spec (generated/models.py), re-exported.

``from voicecontract.models import UpdateNumberRequest, AccountConnectionParams``. Named schemas
that are unions or scalars (``AccountConnectionParams``, ``Id``) are type aliases: validate them
with ``pydantic.TypeAdapter`` or, better, ``voicecontract.validate(name, payload)``.
"""

from voicecontract._generated.models import *  # noqa: F403
