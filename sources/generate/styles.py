"""How each sender writes its files: encoding, boolean words, quirks, renamed headers.

These mirror what performance teams receive: Windows exports in Windows-1252 with a
free-text column, some systems adding a UTF-8 byte-order mark, Excel from the Business
Support Team and the survey provider, a "Total" row left on by report writers, and
systems that renamed a header when they were upgraded (older years carry the alias the
catalogue lists for that column).
"""

from __future__ import annotations


def _year(period: str) -> int:
    return int(period[:4])


def style(name: str, period: str) -> dict:
    y = _year(period)
    s: dict = {}
    if name == "early_help_episodes":
        if y <= 2018:      # the Early Help module before its 2019 upgrade
            s["aliases"] = {"start_date": "assessment_date", "sex": "gender", "ward_code": "ward",
                            "imd_decile": "imd"}
    elif name == "social_care_referrals":
        s["encoding"] = "utf-8-sig"
        if y <= 2019:
            s["aliases"] = {"referral_source": "source"}
    elif name == "neet":
        s["bool_words"] = ("1", "0")
        if period < "2019-04":
            s["aliases"] = {"extract_month": "month", "activity_code": "activity"}
    elif name in ("cme", "parenting_programmes", "adult_referrals"):
        s["encoding"] = "cp1252"
        s["comments"] = True
        s["bool_words"] = ("Yes", "No")
    elif name == "exclusions":
        s["bool_words"] = ("Yes", "No")
        if y >= 2020:      # the new report template sums sessions at the bottom
            s["total_row"] = "sessions"
    elif name == "pupil_population":
        s["encoding"] = "utf-8-sig"
        s["total_row"] = "headcount"
    elif name in ("yos_outcomes", "behaviour_panels"):
        s["encoding"] = "utf-8-sig"
        if name == "yos_outcomes" and y <= 2017:
            s["aliases"] = {"sex": "gender"}
    elif name in ("sheu_survey", "two_year_funding"):
        s["fmt"] = "xlsx"
        if name == "two_year_funding" and y <= 2017:
            s["aliases"] = {"ward_code": "ward", "imd_decile": "imd"}
    return s
