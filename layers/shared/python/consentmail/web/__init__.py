"""HTTP plumbing shared by the API functions: the resolver with problem+json errors, HTML pages."""
