"""Board papers (HTML and PDF) and the scorecard workbook: the outputs people read.

``gather`` reads the published figures, ``content`` / ``charts`` / ``summary`` /
``quality`` decide what the paper says, ``render`` writes HTML and PDF, ``workbook``
the Excel export. Every figure shown has been through ``indicators.disclosure``.
"""
