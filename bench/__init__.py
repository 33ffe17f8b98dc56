"""`python -m bench` (`make bench`): the cost, cold-start, hot-path and throughput benchmarks,
written to docs/benchmarks.md and docs/benchmarks.json. Module names do not start with `test_`, so
pytest never collects them."""
