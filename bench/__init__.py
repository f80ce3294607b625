"""Benchmarks (`make bench`): speed, memory and quality, measured as ratios in one run."""
