"""Developer and operator commands that are neither the CDK app nor local mode: `python -m
tools.build_layer` builds the Lambda dependency layer, `python -m tools.openapi` writes the OpenAPI
document, `python -m tools.compliance` the compliance documents, `python -m tools.audit` checks
the deletion receipts."""
