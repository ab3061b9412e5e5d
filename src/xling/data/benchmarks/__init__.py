"""Benchmark loaders, one module each (see ``xling.data.BENCHMARKS``)."""
