"""Synthetic referendums for the demo, tests and benchmarks."""
