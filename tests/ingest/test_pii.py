"""The personal-identifier guard: refused by column name and by value shape."""

import pandas as pd
import pytest

from pipelines.ingest import pii
from pipelines.ingest.extracts import read_extract
from sources.catalogue import get


@pytest.mark.parametrize("header,reason", [
    ("Date of Birth", "date of birth"), ("DOB", "date of birth"), ("child_name", "name"),
    ("Surname", "name"), ("UPN", "unique pupil number"), ("NHS Number", "NHS number"),
    ("email", "email"), ("Mobile", "phone"), ("Home Address", "address"), ("postcode", "postcode"),
])
def test_identifying_headers_are_found(header, reason):
    found = pii.scan([header], pd.DataFrame({header: ["x"]}))
    assert found and reason in found[0].reason


@pytest.mark.parametrize("header", ["programme", "referral_date", "ward_code", "child_id", "sessions", "phase"])
def test_ordinary_headers_pass(header):
    assert pii.scan([header], pd.DataFrame({header: ["abc"]})) == []


@pytest.mark.parametrize("value,reason", [
    ("A12345678901B", "UPN"), ("943 476 5919", "NHS"), ("someone@example.org", "email"),
    ("see jo.bloggs@example.org re visit", "email"), ("07700 900123", "phone"), ("BA2 3AB", "postcode"),
])
def test_identifying_values_are_found_under_any_header(value, reason):
    found = pii.scan(["notes"], pd.DataFrame({"notes": ["fine", value]}))
    assert found and reason.lower() in found[0].reason.lower()
    assert value not in str(found[0])  # the message masks the value


def test_nhs_check_digit_is_applied():
    assert pii.nhs_number_valid("9434765919")
    assert not pii.nhs_number_valid("9434765918")
    assert not pii.nhs_number_valid("0000000000") and not pii.nhs_number_valid("111 111 1111")  # placeholders
    assert not pii.uln_valid("9434765917") and not pii.nhs_number_valid("9434765917")
    assert pii.scan(["n"], pd.DataFrame({"n": ["9434765917"]})) == []


def test_file_with_upn_values_is_refused_whole(tmp_path):
    f = tmp_path / "adult_referrals_2024-25.csv"
    f.write_text("referral_id,referral_date,referring_service,parent_took_up_support\n"
                 "A12345678901B,01/05/2024,housing,Y\nAR2,02/05/2024,housing,N\n")
    ex = read_extract(f, get("adult_referrals"))
    assert ex.pii and "referral_id" in str(ex.pii[0])
    assert len(ex.frame) == 0 and ex.rows_read == 2


@pytest.mark.parametrize("header", ["Ward Name", "School Name", "Postcode District", "Postcode Sector",
                                    "Email consent", "Telephone contact made", "NHS Trust", "Locality Name"])
def test_headers_are_judged_on_whole_words(header):
    assert pii.scan([header], pd.DataFrame({header: ["Y"]})) == []


@pytest.mark.parametrize("header", ["Name", "Child Surname", "Home Postcode", "Parent Email", "E-mail",
                                    "Mobile", "NHS No", "ULN", "Address line 1", "Given Name",
                                    "preferredsurname", "formerupn", "middlenames", "uniquelearnernumber"])
def test_identifier_headers_are_still_found(header):
    assert pii.scan([header], pd.DataFrame({header: ["x"]}))


@pytest.mark.parametrize("text", [
    "Called mum on 07700 900123", "07700-900-123", "(01225) 477000", "+44 (0)1225 477000", "+447700900123",
    "now at 12 High Street, Bath BA2 4HD", "ba2 4hd", "NHS 943 476 5919", "9434765919", "pupil A12345678901B",
    "ULN 1234567891", "DOB: 03/04/2012", "d.o.b. 3.4.11", "born on 12th May 2010", "born in March 2012",
    "date of birth 2012-04-03", "see jo@example.org", "+44-7700-900123", "(+44) 7700 900123", "0044 7700 900123",
    "7700900123",
])
def test_identifiers_are_found_inside_text(text):
    assert pii.find_identifiers(text)


@pytest.mark.parametrize("text", [
    "BA2", "BA2 4", "Yr1 2nd term", "01/05/2024", "2024-05-01", "0.5 0.25 0.125 0.5", "00012345678",
    "3 children", "Cost £12 – reimbursed", "EH0492543", "43a8e118726677ae", "born 2012", "9434765917",
    "00861282-259", "02228664-28b", "01523987-334", "001e7b6b-4f5",   # fragments of hex ids (school census export)
])
def test_ordinary_text_is_not_an_identifier(text):
    assert pii.find_identifiers(text) == []


def test_malformed_records_are_read_field_by_field(tmp_path):
    f = tmp_path / "adult_referrals_2024-25.csv"
    f.write_text("referral_id,referral_date,referring_service,parent_took_up_support\n"
                 "AR1,01/05/2024,housing,Y\nAR2,02/05/2024,housing,Y,ring 07700 900123\n")
    ex = read_extract(f, get("adult_referrals"))
    assert ex.pii and ex.pii[0].row == 3 and "900123" not in str(ex.pii[0])


def test_a_header_cell_holding_an_identifier_is_found():
    found = pii.scan(["referral_id", "jo@example.org"], pd.DataFrame({"a": ["x"], "b": ["y"]}))
    assert found and found[0].row == 1 and "jo@example.org" not in str(found[0])


def test_a_workbook_with_a_mobile_number_stored_as_a_number_is_refused(tmp_path):
    """Excel drops a mobile number's leading 0 (7700900123); an extra, ignored column."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["respondent_id", "survey_year", "school_id", "year_group", "sex", "self_esteem_score",
               "someone_to_talk_to", "contact"])
    ws.append(["R1", 2024, "S1", 8, "F", 12, "Y", None])
    ws.append(["R2", 2024, "S1", 8, "M", 11, "N", 7700900123])
    f = tmp_path / "sheu_survey_2024.xlsx"
    wb.save(f)
    ex = read_extract(f, get("sheu_survey"))
    assert ex.pii and ex.pii[0].row == 3 and ex.pii[0].column == "contact"
    assert "7700900123" not in str(ex.pii[0])
