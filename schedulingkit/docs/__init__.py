"""`schedulingkit docs build`: reference pages rendered from the OpenAPI document."""
