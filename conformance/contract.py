"""The contract as the suite reads it: `schedulingkit.openapi.contract`, the project's one
reader of the document and its extensions.

Rules iterate over its operations instead of naming endpoints, so a new list endpoint that
declares `x-scopes`, `x-ordering` and `x-filter` is checked with no new code. The suite always
reads the project's own copy of the document (shipped in the wheel), never what a deployment
serves.
"""

from schedulingkit.openapi.contract import Contract, Filter, Operation, SortKey, load_contract

__all__ = ["Contract", "Filter", "Operation", "SortKey", "load_contract"]
