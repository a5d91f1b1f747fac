"""The ward lookup: packaged default, the authority's own copy in the settings folder."""

import pandas as pd
import pytest

from sources.codes import LOCALITIES
from sources import lookups
from sources.generate.geography import WARDS


def test_packaged_lookup_matches_the_demo_geography(tmp_path):
    frame = lookups.wards(tmp_path)
    assert list(frame["ward_code"]) == list(WARDS["ward_code"])
    assert list(frame["ward_name"]) == list(WARDS["ward_name"])
    assert set(frame["locality"]) == set(LOCALITIES)
    assert lookups.locality_names(tmp_path)["bath_city"] == "Bath City"


def test_settings_folder_copy_replaces_the_default(tmp_path):
    (tmp_path / "settings").mkdir()
    pd.DataFrame({"ward_code": ["E05000001"], "ward_name": ["Abbey"], "locality": ["central"],
                  "locality_name": ["Central"]}).to_csv(tmp_path / "settings" / "wards.csv", index=False)
    assert lookups.wards_file(tmp_path) == tmp_path / "settings" / "wards.csv"
    assert lookups.ward_names(tmp_path) == {"E05000001": "Abbey"}


def test_a_lookup_missing_columns_is_refused_by_name(tmp_path):
    (tmp_path / "settings").mkdir()
    (tmp_path / "settings" / "wards.csv").write_text("code,name\nE05000001,Abbey\n")
    with pytest.raises(ValueError, match=r"wards.csv: ward lookup lacks column\(s\) ward_code"):
        lookups.wards(tmp_path)
