"""`schedulingkit spec check`: the project's own rules over the OpenAPI document.

The document is validated by openapi-spec-validator (SPEC-001), then held to the contract's
rules (`check.RULES`): each is a small function in a `rules_*.py` module, registered with a
stable code and a one-line description, that yields `(JSON pointer, message)` pairs. To add a
rule, decorate a function with its module's `rule(code, description)` and add a broken copy
of the document for it in `tests/test_spec_check.py` (a test enforces one per rule).
"""
