"""Reference data: what our figures are compared with and joined to.

``benchmarks`` loads the DfE / ONS open data (``pub_*`` tables) and puts our measures beside
England, the region and the statistical neighbours (``benchmark_values``, ``reconciliation``);
``benchmark_files`` and ``benchmark_periods`` describe those files and their period labels.
``lookups`` makes ``lookup_wards``, ``lookup_localities``, ``lookup_periods`` and
``lookup_authorities``.
"""


def definitions():
    import dagster as dg

    from pipelines.reference import benchmarks, lookups

    return dg.Definitions(assets=[*benchmarks.assets, *lookups.assets], asset_checks=benchmarks.asset_checks)
