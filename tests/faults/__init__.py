"""Fault injection for the conformance suite: ASGI middlewares that break one contract rule each.

Each fault wraps the reference server's ASGI app the way a real deployment's bug would behave
(a forgotten scope check, an off-by-one count, a swallowed DELETE), so running the conformance
suite against the wrapped server proves that the suite notices, and names the right rule.
"""
