"""Release: the build file copied atomically to the warehouse officers open (``publish``),
once every asset before it has been made and every blocking check has passed; column comments
checked on the way out (``column_docs``); each release's disclosure certificate and record
(``indicators.releases``) and the shareable file (``shareable``, ``shareable.shareable_path()``)."""


def definitions(upstream):
    """The publish asset, after every materialisable asset of the ``upstream`` definitions."""
    import dagster as dg

    from pipelines.release import publish

    assets = [a for d in upstream for a in (d.assets or [])]
    return dg.Definitions(assets=publish.with_publish(assets)[len(assets):])
