"""Benchmarks that print figures and ratios against a straightforward baseline in the same run."""
