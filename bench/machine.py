"""What the benchmarks ran on: `cpu_info`, which lives in `bench.common`
with the rest of what the benchmark scripts share. Kept so that
`from bench.machine import cpu_info` still works."""

from bench.common import cpu_info

__all__ = ["cpu_info"]
