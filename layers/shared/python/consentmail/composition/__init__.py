"""One composition module per Lambda function: the services that function uses, each built once
per container and lazily (`consentmail.core.container.per_container`). Handlers call
`<module>.<service>()`; tests swap a dependency by monkeypatching that factory, and one
`container.reset_all()` forgets every service, client and setting at once."""
