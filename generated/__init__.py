"""Generated from spec/openapi.yaml by `make generate`. DO NOT EDIT.

models.py: the Pydantic v2 models; openapi.json: the spec as the package ships and serves it.
"""
