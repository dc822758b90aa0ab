"""Helpers for driving the real app: used by the browser tests, bench/ and the screenshot script."""
