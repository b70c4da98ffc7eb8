"""Rule bodies, one module per area; each registers its rules with `catalogue.rule` on import."""
