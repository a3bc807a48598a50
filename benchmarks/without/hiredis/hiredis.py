"""Stands in for hiredis when benchmarks/without/hiredis is first on PYTHONPATH: the import
fails, and redis-py uses its own pure-Python parser."""

raise ImportError("hiredis is switched off for this benchmark (benchmarks/without)")
