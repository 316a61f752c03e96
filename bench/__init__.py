"""Benchmarks and the data generator they share (see README.md)."""
