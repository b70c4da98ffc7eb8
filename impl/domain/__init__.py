"""Pure domain rules of the reference server: no database, no web framework.

Keeping the rules here lets them be tested table-driven and fast, and keeps the services
and handlers thin.
"""
