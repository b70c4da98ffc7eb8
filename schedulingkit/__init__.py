"""SchedulingKit API v1: the contract, its reference server and its conformance suite."""

__version__ = "0.1.0"
