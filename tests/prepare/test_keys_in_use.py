"""The pseudonymisation key in use: a key that goes missing (or is replaced) between two
`oba prepare` runs stops the next one, a new key only with --new-key (which says which links
it breaks); keys refused inside the data folder or in a folder others can write."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipelines.operations.cli import main
from pipelines.prepare import EXIT_CODES
from pipelines.prepare.keys import KeyError_, key_in_use
from pipelines.settings import paths as resolve_paths

FIX = Path(__file__).parents[1] / "fixtures" / "statutory"
CIN = sorted((FIX / "cin_census").glob("*.xml"))


@pytest.fixture
def key(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "private" / "oba.key"
    monkeypatch.setenv("OBA_KEY_FILE", str(path))
    return path


def test_a_lost_key_stops_oba_prepare_until_new_key_is_asked_for(tmp_path, key, capsys):
    data = tmp_path / "data"
    args = ["--data-dir", str(data), "prepare", "cin-census", str(CIN[0]), "--partial-years"]
    # The fixture holds a referral after the return's reference date, set aside: written, exit 3.
    written = EXIT_CODES["set_aside"]
    assert main(args) == written
    key.unlink()
    assert main(args) == EXIT_CODES["refused"]
    err = capsys.readouterr().err
    assert "is missing: restore it" in err and "--new-key" in err and "no longer link" in err
    assert not key.exists()                          # no new key was made silently
    assert main([*args, "--new-key"]) == written
    out = capsys.readouterr().out
    assert "new pseudonymisation key" in out and key.exists()
    assert main(args) == written                     # the new key is now the one in use


def test_a_different_key_stops_it_too(tmp_path, key):
    p = resolve_paths(tmp_path / "data")
    first, _ = key_in_use(key, p)
    key.unlink()
    key.write_text("cd" * 32 + "\n")
    os.chmod(key, 0o600)
    with pytest.raises(KeyError_, match="not the key used"):
        key_in_use(key, p)
    again, notes = key_in_use(key, p, new_key=True)
    assert again != first and "different pseudonymisation key" in notes[0]


@pytest.mark.parametrize("where", ["settings", "exports", "papers", "."])
def test_a_key_anywhere_inside_the_data_folder_is_refused(tmp_path, where):
    p = resolve_paths(tmp_path / "data")
    with pytest.raises(KeyError_, match="must not be inside"):
        key_in_use(tmp_path / "data" / where / "oba.key", p)


def test_a_key_in_a_folder_others_can_write_is_refused(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    with pytest.raises(KeyError_, match="folder others can write"):
        key_in_use(shared / "oba.key", resolve_paths(tmp_path / "data"))
    assert not (shared / "oba.key").exists()


def test_a_key_below_a_folder_others_can_write_is_refused(tmp_path):
    """Re-attack: the key's own folder is private, but a folder above it is world-writable
    (no sticky bit): anyone can rename the private folder and put a key of their own there."""
    shared = tmp_path / "shared"
    (shared / "private").mkdir(parents=True)
    os.chmod(shared, 0o777)
    os.chmod(shared / "private", 0o700)
    p = resolve_paths(tmp_path / "data")
    with pytest.raises(KeyError_, match="others can write"):
        key_in_use(shared / "private" / "oba.key", p)
    os.chmod(shared, 0o1777)                     # sticky, as /tmp: others cannot rename it
    key_in_use(shared / "private" / "oba.key", p)


def test_a_lost_key_with_its_record_gone_too_stops_oba_prepare(tmp_path, key, capsys):
    """Re-attack: the key and the data folder's record of it both missing (a restored or copied
    data folder), extracts already prepared: no new key without --new-key."""
    data = tmp_path / "data"
    args = ["--data-dir", str(data), "prepare", "cin-census", str(CIN[0]), "--partial-years"]
    written = EXIT_CODES["set_aside"]
    assert main(args) == written
    key.unlink()
    (data / "prepare_key.json").unlink()
    assert main(args) == EXIT_CODES["refused"]
    assert "is missing" in capsys.readouterr().err and not key.exists()
    assert main([*args, "--new-key"]) == written
