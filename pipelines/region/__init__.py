"""A region's authorities in one deployment (issue 28).

Each authority is a partition of the ``authority`` asset (``pipelines.region.definitions``, a
code location of its own): its own data folder (landing, build and published warehouse,
settings, papers, Dagster history) and its own pseudonymisation key, run as the
single-authority pipeline (``oba run``) in a process of its own. The ``regional_pool`` asset
reads only each authority's shareable file (``oba_shareable.duckdb``) and compares the Early
Help measures across the region (``pool``, ``page``). Layout on disk: ``authorities``.
"""
