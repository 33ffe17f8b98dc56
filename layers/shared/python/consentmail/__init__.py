"""consentmail: the shared package of every Lambda function, the CDK app and local mode."""
