"""`schedulingkit spec check`: the project's own rules over the OpenAPI document."""
