"""The identifier guard on real files, a real Dagster run and the published warehouse.

Every file below lands in one landing folder (a period each); one run of the adult referrals
ingest step and the publish step follows. Files carrying an identifier anywhere (free text,
an ignored column, a malformed record) are refused whole, the message naming file, row and
column with the value masked; ordinary files load; nothing refused leaves a trace in any
table of the published warehouse.
"""

import duckdb
import dagster as dg
import pytest

from pipelines.ingest import assets as ingest
from pipelines.release import publish
from pipelines.warehouse import Warehouse
from sources.catalogue import get

HEADER = "referral_id,referral_date,referring_service,parent_took_up_support"

# period -> (extra header, the record's extra cells or a whole record, the secret, the column named)
REFUSED = {
    "2001-02": (",comments", "AR1,01/05/2001,housing,Y,Called mum on 07700 900123", "900123", "comments"),
    "2002-03": (",comments", "AR1,01/05/2002,housing,Y,\"now at 12 High Street, Bath BA2 4HD\"", "4HD", "comments"),
    "2003-04": (",comments", "AR1,01/05/2003,housing,Y,NHS no 943 476 5919 given at visit", "476 5919", "comments"),
    "2004-05": (",notes", "AR1,01/05/2004,housing,Y,pupil A12345678901B moved school", "45678901", "notes"),
    "2005-06": (",comments", "AR1,01/05/2005,housing,Y,rang school (01225) 477000", "477000", "comments"),
    "2006-07": (",comments", "AR1,01/05/2006,housing,Y,text 07700-900-123 later", "900-123", "comments"),
    "2007-08": (",comments", "AR1,01/05/2007,housing,Y,office +44 (0)1225 477000", "477000", "comments"),
    "2008-09": (",comments", "AR1,01/05/2008,housing,Y,mum jo.bloggs@example.org replied", "bloggs", "comments"),
    "2009-10": (",comments", "AR1,01/05/2009,housing,Y,DOB 03/04/2012 per school", "03/04/2012", "comments"),
    "2010-11": (",comments", "AR1,01/05/2010,housing,Y,child born on 3 March 2012", "March 2012", "comments"),
    "2011-12": (",comments", "AR1,01/05/2011,housing,Y,learner 1000000019 at college", "1000000019", "comments"),
    "2012-13": (",comments", "AR1,01/05/2012,housing,Y,07700 900123", "900123", "comments"),
    # A catalogue column holding a phone number.
    "2013-14": ("", "AR1,01/05/2013,07700 900123,Y", "900123", "referring_service"),
    # A malformed record (too many fields) with a phone number in a field past the header.
    "2014-15": ("", "AR1,01/05/2014,housing,Y,Called mum on 07700 900123", "900123", "(field 5, past the header)"),
    # A malformed record (too few fields) with a postcode.
    "2015-16": (",comments", "AR1,01/05/2015,BA1 5AW", "5AW", "referring_service"),
    # A person's name column.
    "2016-17": (",Child Surname", "AR1,01/05/2016,housing,Y,Smithson", "Smithson", "Child Surname"),
}

ORDINARY = {
    # Place and organisation names, districts and sectors, flags about contact.
    "2017-18": (HEADER + ",Ward Name,School Name,Postcode District,Postcode Sector,Email consent,"
                "Telephone contact made\n"
                "AR1,01/05/2017,housing,Y,Westmoreland,St Mary's Primary,BA2,BA2 4,Y,N\n"
                "AR2,02/05/2017,probation,N,Combe Down,Ralph Allen School,BS31,BS31 1,N,Y\n"),
    # The authority's shared team mailbox (packaged list) in free text.
    "2018-19": (HEADER + ",comments\nAR1,01/05/2018,housing,Y,sent to earlyhelp@bathnes.gov.uk for triage\n"),
    # Declared id format: ten-digit reference numbers passing the NHS check, zero-padded ids.
    "2019-20": (HEADER + "\n9434765919,01/05/2019,housing,Y\n01934500001,02/05/2019,probation,N\n"
                "00012345678,03/05/2019,housing,Y\n"),
    # Counts, dates and amounts in free text are not identifiers.
    "2020-21": (HEADER + ",comments\nAR1,01/05/2020,housing,Y,Seen 2nd time in Yr1 2nd term – £12.50 paid 01/05/2020\n"
                "AR2,02/05/2020,probation,N,BA2 area; 3 visits since 2020-04-01\n"),
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    landing = data / "landing"
    landing.mkdir()
    for period, (extra, record, _, _) in REFUSED.items():
        (landing / f"adult_referrals_{period}.csv").write_text(
            f"{HEADER}{extra}\nAR0,01/05/{period[:4]},probation,N{',' if extra else ''}\n{record}\n", encoding="utf-8")
    for period, text in ORDINARY.items():
        (landing / f"adult_referrals_{period}.csv").write_text(text, encoding="utf-8")
    assets = publish.with_publish([ingest.build(get("adult_referrals"))])
    mp = pytest.MonkeyPatch()
    mp.setenv("OBA_DATA_DIR", str(data))
    try:
        result = dg.materialize(assets, resources={"warehouse": Warehouse(data_dir=str(data))})
    finally:
        mp.undo()
    con = duckdb.connect(str(data / "warehouse" / "oba.duckdb"), read_only=True)
    yield result, con
    con.close()


def _log(con, period):
    return con.execute("select status, message, rows_read, rows_refused from load_log where source_file = ?",
                       [f"adult_referrals_{period}.csv"]).fetchone()


@pytest.mark.parametrize("period", sorted(REFUSED))
def test_identifier_anywhere_refuses_the_file_naming_row_and_column(run, period):
    result, con = run
    assert result.success
    status, message, rows_read, rows_refused = _log(con, period)
    _, _, secret, column = REFUSED[period]
    assert status == "refused" and rows_read == rows_refused == 2
    assert message.startswith(f"adult_referrals_{period}.csv: personal identifiers found")
    assert f"column '{column}'" in message
    assert "row 3" in message or column == "Child Surname"
    assert secret not in message                       # masked
    assert con.execute("select count(*) from raw_adult_referrals where source_file = ?",
                       [f"adult_referrals_{period}.csv"]).fetchone()[0] == 0


@pytest.mark.parametrize("period", sorted(ORDINARY))
def test_ordinary_files_load(run, period):
    _, con = run
    status, message, rows_read, _ = _log(con, period)
    assert status == "loaded", message
    assert con.execute("select count(*) from stg_adult_referrals where source_file = ?",
                       [f"adult_referrals_{period}.csv"]).fetchone()[0] == rows_read


def test_nothing_refused_leaves_a_trace_in_any_published_table(run):
    _, con = run
    secrets = ["900123", "900-123", "477000", "4HD", "5AW", "476 5919", "A12345678901B", "bloggs", "03/04/2012",
               "March 2012", "1000000019", "Smithson"]
    tables = con.execute("select table_name, column_name from duckdb_columns() where data_type = 'VARCHAR' "
                         "and schema_name = 'main'").fetchall()
    assert tables
    for table, column in tables:
        for secret in secrets:
            hits = con.execute(f'select count(*) from "{table}" where "{column}" like ?', [f"%{secret}%"]).fetchone()[0]
            assert hits == 0, (table, column, secret)
    # The quarantine never keeps a whole record.
    assert "record" not in [r[0] for r in con.execute("describe quarantine").fetchall()]


def test_run_metadata_carries_no_identifier(run):
    result, _ = run
    text = " ".join(str(m.metadata) for m in result.asset_materializations_for_node("ingest_adult_referrals"))
    assert "refused" in text
    for secret in ("900123", "bloggs", "4HD", "Smithson"):
        assert secret not in text


def test_an_authority_lists_its_own_mailboxes(data_dir):
    """The settings folder's list replaces the packaged one: configuration, not a flag."""
    from pipelines.ingest.extracts import read_extract

    f = data_dir / "landing" / "adult_referrals_2024-25.csv"
    f.write_text(HEADER + ",comments\nAR1,01/05/2024,housing,Y,copy to team@partner.org.uk\n")
    assert read_extract(f, get("adult_referrals")).pii
    (data_dir / "settings").mkdir()
    (data_dir / "settings" / "allowed_mailboxes.txt").write_text("# ours\nTeam@Partner.org.uk\n")
    assert read_extract(f, get("adult_referrals")).pii == []
