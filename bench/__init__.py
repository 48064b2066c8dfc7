"""The ``ror`` benchmark (DESIGN §8): ``python -m bench`` (``make bench``).

One run, side by side on the same machine: in-process referral search over a scenario mix
against the numpy brute-force scan of the same queries (speed and exactness), HTTP throughput
and latency on loopback, full indexing time, peak memory of the serving processes and
availability-update throughput. Figures are printed and written to ``bench/results.json``;
nothing here is a timed test.

Pipeline (``bench/run.py``): dataset (build or reuse) -> queries -> in-process phase ->
capacity updates -> HTTP phase -> report.
"""
