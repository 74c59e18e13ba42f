"""Timing scripts (run one with: python benchmarks/<name>.py)."""
