"""Benchmarks for mockscim: hot paths over loopback, scale, cold start, runner overhead, journal cost.

Run ``make bench`` (or ``python -m benchmarks.run``); ``docs/performance.md`` explains the method.
"""
