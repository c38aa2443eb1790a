"""Benchmarks of QUALITY.md's performance lines; each prints `name: value unit (baseline: …, ratio: …)`."""
