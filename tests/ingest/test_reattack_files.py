"""Issue 31 re-attacked with files made here: every place a workbook carries text (hidden and
very hidden sheets, comments, defined names, printed headers and footers, document and custom
properties, hyperlinks, data validations, external links, a text file put in the zip) holding
an identifier or a name written in a fresh form; parts nothing can screen (embedded objects,
macros); and names of files with bidirectional and control characters. Figures printed (-s)."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import pytest
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from pipelines.ingest.extracts import ExtractError, read_extract
from pipelines.ingest.validate_file import report
from tests.ingest.test_hostile_files import SURVEY, _survey_book
from tests.ingest.test_reattack_forms import written_forms

CUSTOM = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxmlformats.org/'
          'officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
          'docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="{name}">'
          '<vt:lpwstr>{value}</vt:lpwstr></property></Properties>')


def _custom(name: str, value: str) -> str:
    return CUSTOM.replace("{name}", name).replace("{value}", value)


def _escape(v: str) -> str:
    return v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _zip_with(path: Path, extra: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    parts.update(extra)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)


def _hyperlink_text(book, v):
    book["data"]["A2"].hyperlink = "https://example.org/case"
    book["data"]["A2"].hyperlink.display = v


def _hyperlink_tip(book, v):
    book["data"]["A3"].hyperlink = "https://example.org/case"
    book["data"]["A3"].hyperlink.tooltip = v


def _validation_prompt(book, v):
    dv = DataValidation(type="whole", prompt=f"for {v}", promptTitle="note", showInputMessage=True)
    book["data"].add_data_validation(dv)
    dv.add("B2")


def _validation_list(book, v):
    dv = DataValidation(type="list", formula1='"' + v.replace('"', "").replace(",", " ")[:200] + ',other"')
    book["data"].add_data_validation(dv)
    dv.add("C2")


BOOK_PARTS = {
    "a hidden sheet's cell": lambda book, v: setattr(book.create_sheet("h"), "sheet_state", "hidden") or book["h"].append([v]),
    "a very hidden sheet's cell": lambda book, v: setattr(book.create_sheet("vh"), "sheet_state", "veryHidden")
    or book["vh"].append(["x", v]),
    "a cell comment": lambda book, v: setattr(book["data"]["B2"], "comment", Comment(v, "officer")),
    "a comment's author": lambda book, v: setattr(book["data"]["B2"], "comment", Comment("ok", v)),
    "a defined name's value": lambda book, v: book.defined_names.add(DefinedName("child", attr_text=f'"{v}"')),
    "the even-page header": lambda book, v: setattr(book["data"].evenHeader.right, "text", v),
    "the first-page footer": lambda book, v: setattr(book["data"].firstFooter.center, "text", v),
    "a hidden sheet's header": lambda book, v: setattr(book.create_sheet("h2"), "sheet_state", "hidden")
    or setattr(book["h2"].oddHeader.left, "text", v),
    "the document's subject": lambda book, v: setattr(book.properties, "subject", v),
    "the document's description": lambda book, v: setattr(book.properties, "description", v),
    "the last modified by": lambda book, v: setattr(book.properties, "lastModifiedBy", v),
    "the document's category": lambda book, v: setattr(book.properties, "category", v),
    "a hyperlink's text": _hyperlink_text,
    "a hyperlink's tip": _hyperlink_tip,
    "a data validation's prompt": _validation_prompt,
    "a data validation's list": _validation_list,
}
ZIP_PARTS = {
    "a custom property's value": lambda v: {"docProps/custom.xml": _custom("note", _escape(v)).encode()},
    "a custom property's name": lambda v: {"docProps/custom.xml": _custom(_escape(v), "x").encode()},
    "a text file in the zip": lambda v: {"notes/readme.txt": f"about {v}".encode()},
    "custom XML": lambda v: {"customXml/item9.xml": f'<?xml version="1.0"?><root a="{_escape(v)}"/>'.encode()},
}


def _sample(rng: random.Random) -> list[tuple[str, str]]:
    corpus = written_forms(seed=4242)
    names = ["Grace Smith", "SMITH, Grace", "grace smith (aged 7)", "Wojciech Nowak", "Lily Hall (aged 9)"]
    kinds = rng.sample(sorted(corpus), 3)
    return [(kind, rng.choice(corpus[kind])) for kind in kinds] + [("name", n) for n in rng.sample(names, 2)]


def test_every_part_a_workbook_carries_is_screened(tmp_path):
    rng = random.Random(9)
    missed, n = [], 0
    for part, change in {**BOOK_PARTS, **ZIP_PARTS}.items():
        for kind, value in _sample(rng):
            path = tmp_path / "sheu_survey_2024.xlsx"
            book = _survey_book(path)
            if part in BOOK_PARTS:
                change(book, value)
                book.save(path)
            else:
                _zip_with(path, change(value))
            n += 1
            if not read_extract(path, SURVEY).pii:
                missed.append(f"{kind} in {part}: {value.encode('unicode_escape').decode()}")
    print(f"\nre-attack, workbook parts: {n - len(missed)}/{n} refused across {len(BOOK_PARTS) + len(ZIP_PARTS)} parts")
    assert not missed, missed[:10]


def test_an_external_link_target_is_screened(tmp_path):
    path = tmp_path / "sheu_survey_2024.xlsx"
    book = _survey_book(path)
    book["data"]["A2"].hyperlink = "mailto:lily.smith@gmail.com"
    book.save(path)
    assert read_extract(path, SURVEY).pii


@pytest.mark.parametrize("part", ["xl/embeddings/oleObject1.bin", "xl/embeddings/Microsoft_Excel_Worksheet.xlsx",
                                  "xl/vbaProject.bin", "xl/activeX/activeX1.bin"])
def test_a_part_nothing_can_screen_is_refused_with_a_message(tmp_path, part):
    path = tmp_path / "sheu_survey_2024.xlsx"
    _survey_book(path)
    _zip_with(path, {part: b"\xd0\xcf\x11\xe0 opaque"})
    with pytest.raises(ExtractError) as err:
        read_extract(path, SURVEY)
    assert err.value.status == "refused" and "cannot be screened" in err.value.message
    text, ok = report(path, "sheu_survey")
    assert not ok and "cannot be screened" in text


def test_a_clean_workbook_with_a_picture_and_links_is_accepted(tmp_path):
    path = tmp_path / "sheu_survey_2024.xlsx"
    book = _survey_book(path)
    book.properties.creator = "Public Health Team"
    book["data"]["A2"].hyperlink = "https://www.gov.uk/government/statistics"
    _validation_list(book, "Yes,No")
    book.save(path)
    _zip_with(path, {"xl/media/image1.png": b"\x89PNG\r\n\x1a\n", "docProps/custom.xml":
                     _custom("Department", "Public Health").encode()})
    extract = read_extract(path, SURVEY)
    assert not extract.pii, [str(f) for f in extract.pii]
    assert len(extract.frame) == 3



def _landing_names(rng: random.Random) -> list[str]:
    """Names of files and folders holding an identifier or a name in a fresh written form."""
    corpus = written_forms(seed=77)
    out = []
    for forms in corpus.values():
        for form in rng.sample(forms, min(6, len(forms))):
            out.append(form.replace("/", " ")[:120])
    return out + ["Grace Smith referral", "SMITH, Grace.csv", "grace smith (aged 7)", "NOWAK Wojciech.xlsx"]


def test_names_of_files_and_folders_carrying_identifiers_are_refused_and_masked(tmp_path):
    from pipelines.ingest import landing, pii

    rng = random.Random(12)
    folder = tmp_path / "landing"
    folder.mkdir()
    made = []
    for i, name in enumerate(_landing_names(rng)):
        name = name.strip().replace("\x00", "") or f"x{i}"
        try:
            (folder / name).mkdir() if i % 2 else (folder / name).write_text("x")
        except OSError:
            continue
        made.append(name)
    entries = landing.scan(folder)
    leaked = [e.name for e in entries if e.kind != landing.REFUSED or pii.find_identifiers(e.name)]
    print(f"\nre-attack, names of files and folders: {len(made) - len(leaked)}/{len(made)} refused and masked")
    assert len(entries) == len(made) and not leaked, leaked[:10]


def test_every_invisible_or_control_character_in_a_name_is_refused_and_escaped(tmp_path):
    from pipelines.ingest import landing, pii

    folder = tmp_path / "landing"
    folder.mkdir()
    hidden = sorted(set(pii.INVISIBLE) | {chr(c) for c in range(1, 32)} | {"\x7f", "\x85", "\u2028", "\u2029"})
    hidden = [c for c in hidden if c not in "/"]
    for i, c in enumerate(hidden):
        (folder / f"cme_2024-03_v{i + 1}{c}.csv").write_text("x")
    entries = landing.scan(folder)
    raw = [e.name for e in entries if any(c in e.name for c in hidden) or e.kind != landing.REFUSED]
    print(f"\nre-attack, invisible and control characters in names: {len(hidden) - len(raw)}/{len(hidden)} refused, "
          f"shown escaped")
    assert len(entries) == len(hidden) and not raw, [r.encode("unicode_escape") for r in raw[:5]]


@pytest.mark.parametrize("name, why", [
    ("population_2025_v9434765919.csv", "masked"), ("population_2025_v4294967296.csv", "outside 1-9999"),
    ("population_2025_v10000.csv", "outside 1-9999"), ("population_2025_v0.csv", "outside 1-9999"),
    ("population_\uff12\uff10\uff12\uff15.csv", "not ASCII"), ("population_2025_v\u0663.csv", "not ASCII"),
    ("population_2025_v\u00b2.csv", "not ASCII"), ("population_\U0001d7d0\U0001d7ce\U0001d7d0\U0001d7d3.csv", "not ASCII"),
    ("population_\u0968\u0966\u0968\u096b.csv", "not ASCII"), ("population_2025_v1\u200b.csv", "escaped"),
])
def test_versions_and_periods_outside_their_bounds_are_never_read(tmp_path, name, why):
    from pipelines.ingest import landing

    folder = tmp_path / "landing"
    folder.mkdir()
    (folder / name).write_text("x")
    [entry] = landing.scan(folder)
    assert entry.kind in (landing.REFUSED, landing.UNRECOGNISED) and entry.version is None, entry
    assert why in entry.message or why == "masked" and "masked" in entry.message, entry.message


LAUGHS = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY l0 "lol">' + "".join(
    f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10)) + ']><Properties>&l9;</Properties>')


@pytest.mark.parametrize("part, text", [
    ("docProps/custom.xml", LAUGHS), ("xl/worksheets/sheet9.xml", LAUGHS),
    ("docProps/custom.xml", '<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "' + "x" * 50000 + '">]><P>'
     + "&a;" * 5000 + "</P>"),
    ("docProps/custom.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><P>&e;</P>'),
    ("docProps/custom.xml", " " * (1024 * 1024 - 3) + "<!DOCTYPE x><P/>"),      # split between two chunks
    ("docProps/app.xml", "<Properties><Company>Lily Smith</Company"),         # does not parse
])
def test_a_part_built_to_expand_or_that_does_not_parse_is_refused(tmp_path, part, text):
    path = tmp_path / "sheu_survey_2024.xlsx"
    _survey_book(path)
    _zip_with(path, {part: text.encode()})
    with pytest.raises(ExtractError) as err:
        read_extract(path, SURVEY)
    assert err.value.status == "refused" and "cannot be screened" in err.value.message


def test_oba_validate_shows_a_hostile_sheet_name_escaped(tmp_path):
    path = tmp_path / "sheu_survey_2024.xlsx"
    book = _survey_book(path)
    book.create_sheet("gpj.\u202exslx\u200b")
    book.save(path)
    text, _ = report(path, "sheu_survey")
    assert "\u202e" not in text and "\u200b" not in text and "\\u202e" in text


def test_unscreenable_workbooks_are_refused_remembered_and_the_rest_loads(tmp_path):
    import duckdb

    from pipelines.ingest.loading import ingest

    land = tmp_path / "landing"
    land.mkdir()
    _survey_book(land / "sheu_survey_2023.xlsx")
    _survey_book(land / "sheu_survey_2024.xlsx")
    _zip_with(land / "sheu_survey_2024.xlsx", {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"})
    _survey_book(land / "sheu_survey_2022.xlsx")
    _zip_with(land / "sheu_survey_2022.xlsx", {"docProps/custom.xml": LAUGHS.encode()})
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    loaded, _ = ingest(con, SURVEY, land)
    assert {o.file: o.status for o in loaded} == {"sheu_survey_2022.xlsx": "refused", "sheu_survey_2023.xlsx": "pending",
                                                  "sheu_survey_2024.xlsx": "refused"}
    assert ingest(con, SURVEY, land)[0] == []          # remembered by hash: not read again
    logged = dict(con.execute("select source_file, message from load_log").fetchall())
    assert "cannot be screened" in logged["sheu_survey_2022.xlsx"] and "macro" in logged["sheu_survey_2024.xlsx"]
