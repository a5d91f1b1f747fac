"""Speed and scale benchmarks for the OBA pipeline (issue 7): ``python -m bench --scale 1``.

Every stage runs in its own child process so its wall time and peak memory are its own;
results print as a table and as JSON (also written under ``bench/results/``).
"""
