"""The explorer: one self-contained HTML file per release that officers and board members
open from disk (``page``), and the Power BI / Excel pack of the same data (``pack``).

Both are made only from the shareable tables ``release.read`` copies out of a warehouse (the
published, disclosure-controlled figures, judgements, forecasts, benchmarks and lookups;
never records or exact counts); ``content`` shapes what the page shows.
"""
