"""Outputs people read, made from the build file: the board paper (HTML and PDF) and the
scorecard workbook (``assets``), and each indicator's SQL written out for officers (``explain``).

``gather`` reads the figures, ``content`` / ``charts`` / ``summary`` / ``quality_annex`` /
``cover`` / ``comparators`` decide what the paper says, ``screening`` holds back commentary that
names or counts people, ``render`` writes HTML and PDF through ``browser`` (headless Chromium),
``workbook`` the Excel export. Every figure shown has been through ``indicators.disclosure``.
"""


def definitions():
    import dagster as dg

    from pipelines.outputs import assets, explain

    return dg.Definitions(assets=[*assets.assets, *explain.assets])
