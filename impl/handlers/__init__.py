"""HTTP handlers, one module per OpenAPI tag, one function per operationId (snake_case)."""
