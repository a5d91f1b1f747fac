"""Compute: the catalogue's indicators and the judgements made of them.

``assets`` runs each indicator's SQL (``indicators/sql/ind_ehNN.sql``) into ``ind_ehNN``,
stacks them into ``indicator_values`` with intervals, and applies disclosure control
(``indicator_values_published``); ``scorecard`` makes the forecasts, trends, targets, RAG and
comparator verdicts (``indicator_forecasts``, ``scorecard_periods``, ``scorecard``);
``expectations`` is the Great Expectations suite run as one blocking check.
"""


def definitions():
    import dagster as dg

    from pipelines.compute import assets, drafts, expectations, scorecard

    return dg.Definitions(assets=[*assets.assets, *scorecard.assets, *drafts.assets],
                          asset_checks=[*assets.asset_checks, expectations.build_check()])
