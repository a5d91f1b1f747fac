"""The personal-identifier guard: refused by column name and by value shape."""

import pandas as pd
import pytest

from pipelines import pii
from pipelines.extracts import read_extract
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
    assert pii.scan(["n"], pd.DataFrame({"n": ["9434765918"]})) == []


def test_file_with_upn_values_is_refused_whole(tmp_path):
    f = tmp_path / "adult_referrals_2024-25.csv"
    f.write_text("referral_id,referral_date,referring_service,parent_took_up_support\n"
                 "A12345678901B,01/05/2024,housing,Y\nAR2,02/05/2024,housing,N\n")
    ex = read_extract(f, get("adult_referrals"))
    assert ex.pii and "referral_id" in str(ex.pii[0])
    assert len(ex.frame) == 0 and ex.rows_read == 2
