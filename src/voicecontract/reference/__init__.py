"""The reference server: a stateful, durable, multi-tenant implementation of the spec.

``create_app(db=":memory:", tokens=["token-a", "token-b"])`` returns the ASGI app;
``voicecontract serve`` runs it on uvicorn.
"""

from voicecontract.reference.app import ReferenceServer, create_app, tenant_for

__all__ = ["ReferenceServer", "create_app", "tenant_for"]
