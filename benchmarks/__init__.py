"""Server benchmarks: the reference server against a bare Starlette app on the same data.

Run `python -m benchmarks.server` (see `benchmarks/server.py`); nothing here is imported by the
project's package, so the benchmark's helpers never ship in a wheel.
"""
