"""`oba validate FILE --source NAME`: an analyst's pre-flight check, with nothing loaded."""

from pipelines.operations.cli import main

HEADER = "referral_id,referral_date,referring_service,parent_took_up_support\n"


def test_validate_reports_each_failure_by_row_column_and_reason(tmp_path, capsys):
    f = tmp_path / "adult_referrals_2024-25.csv"
    f.write_text(HEADER + "AR1,01/05/2024,housing,Y\nAR2,31/02/2024,housing,Y\nAR3,05/05/2024,astrology,Y\n")
    assert main(["validate", str(f), "--source", "adult_referrals"]) == 1
    out = capsys.readouterr().out
    assert "1 rows would load, 2 would be quarantined (3 read)" in out
    assert "row 3: referral_date value '31/02/2024'" in out
    assert "row 4: referring_service value 'astrology'" in out


def test_validate_clean_file_exits_zero(tmp_path, capsys):
    f = tmp_path / "adult_referrals_2024-25.csv"
    f.write_text(HEADER + "AR1,01/05/2024,housing,Y\n")
    assert main(["validate", str(f), "--source", "adult_referrals"]) == 0
    assert "1 rows would load, 0 would be quarantined" in capsys.readouterr().out


def test_validate_refuses_identifiers_and_names_the_column(tmp_path, capsys):
    f = tmp_path / "adult_referrals_2024-25.csv"
    f.write_text(HEADER.strip() + ",Date of Birth\nAR1,01/05/2024,housing,Y,01/01/2010\n")
    assert main(["validate", str(f), "--source", "adult_referrals"]) == 1
    out = capsys.readouterr().out
    assert "REFUSED" in out and "'Date of Birth'" in out


def test_validate_unknown_source_and_bad_name(tmp_path, capsys):
    f = tmp_path / "referrals.csv"
    f.write_text(HEADER + "AR1,01/05/2024,housing,Y\n")
    assert main(["validate", str(f), "--source", "nope"]) == 1
    assert "unknown source 'nope'" in capsys.readouterr().out
    assert main(["validate", str(f), "--source", "adult_referrals"]) == 0
    assert "would not pick it up" in capsys.readouterr().out


def test_validate_names_a_mistyped_engine_setting(tmp_path, capsys, monkeypatch):
    f = tmp_path / "adult_referrals_2024-25.csv"
    f.write_text("referral_id\n1\n")
    monkeypatch.setenv("OBA_VALIDATE_IN", "spark")
    assert main(["validate", str(f), "--source", "adult_referrals"]) == 2
    err = capsys.readouterr().err
    assert "OBA_VALIDATE_IN='spark'" in err and "duckdb, pandas" in err
