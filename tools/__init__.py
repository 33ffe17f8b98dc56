"""Developer and operator tools run from the repository: document generators and audits."""
