"""Benchmarks run by ``make bench``; each module measures one capability."""
