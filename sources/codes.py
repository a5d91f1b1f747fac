"""Code lists used by the extracts: the real national ones where one exists, local ones otherwise.

National lists: NCCIS current-activity codes (DfE NCCIS management information
requirement), DfE suspension / permanent exclusion reason codes (school census, 2020/21
onwards), SEN primary need types (school census). Local lists (agencies, needs, closure
reasons...) are the partnership's own and are documented here once for every extract.
"""

from __future__ import annotations

# --- NCCIS current activity (academic age 16-18) --------------------------------------
# Grouped as DfE does for the 16-17 NEET / not-known headline.
NCCIS_EET = {
    "110": "Full-time education - school sixth form",
    "120": "Full-time education - sixth form college",
    "130": "Full-time education - further education",
    "140": "Full-time education - higher education",
    "150": "Part-time education",
    "160": "Gap year student",
    "170": "Full-time education - other",
    "180": "Full-time education - special post-16 institution",
    "190": "Full-time education - custodial institution",
    "210": "Apprenticeship",
    "220": "Full-time employment combined with study",
    "230": "Employment without training",
    "240": "Employment with non-regulated training",
    "250": "Temporary employment",
    "260": "Part-time employment",
    "270": "Self-employment",
    "280": "Self-employment combined with part-time study",
    "290": "Voluntary work",
    "310": "Work-based learning",
    "320": "Traineeship",
    "330": "Supported internship",
    "340": "Other training",
}
NCCIS_NEET = {
    "350": "Re-engagement provision",
    "530": "Start date agreed (other)",
    "540": "Seeking employment, education or training / not yet ready",
    "550": "Start date agreed (RPA compliant)",
    "610": "Not available to labour market - young carer",
    "615": "Not available to labour market - teenage parent",
    "620": "Not available to labour market - illness",
    "630": "Not available to labour market - pregnancy",
    "640": "Not available to labour market - religious grounds",
    "650": "Not available to labour market - unlikely ever to be economically active",
    "660": "Not available to labour market - other reason",
}
NCCIS_NOT_KNOWN = {
    "810": "Current situation not known",
    "820": "Cannot be contacted - no current address",
}
NCCIS_OTHER = {
    "710": "In custody",
    "910": "Moved away / left the cohort",
}
NCCIS_ACTIVITY = {**NCCIS_EET, **NCCIS_NEET, **NCCIS_NOT_KNOWN, **NCCIS_OTHER}

# --- DfE suspension and permanent exclusion reasons ----------------------------------
EXCLUSION_REASONS = {
    "PP": "Physical assault against a pupil",
    "PA": "Physical assault against an adult",
    "VP": "Verbal abuse or threatening behaviour against a pupil",
    "VA": "Verbal abuse or threatening behaviour against an adult",
    "BU": "Bullying",
    "RA": "Racist abuse",
    "LG": "Abuse against sexual orientation or gender identity",
    "DS": "Abuse relating to disability",
    "DA": "Drug and alcohol related",
    "DM": "Damage",
    "TH": "Theft",
    "SM": "Sexual misconduct",
    "PD": "Persistent disruptive behaviour",
    "MT": "Inappropriate use of social media or online technology",
    "WP": "Use or threat of use of an offensive weapon or prohibited item",
    "OT": "Other",
}
EXCLUSION_CATEGORIES = {"suspension": "Suspension (formerly fixed-period exclusion)",
                        "permanent": "Permanent exclusion"}

# --- SEN primary need (school census) -------------------------------------------------
SEN_PRIMARY_NEED = {
    "SPLD": "Specific learning difficulty",
    "MLD": "Moderate learning difficulty",
    "SLD": "Severe learning difficulty",
    "PMLD": "Profound and multiple learning difficulty",
    "SEMH": "Social, emotional and mental health",
    "SLCN": "Speech, language and communication needs",
    "HI": "Hearing impairment",
    "VI": "Visual impairment",
    "MSI": "Multi-sensory impairment",
    "PD": "Physical disability",
    "ASD": "Autistic spectrum disorder",
    "OTH": "Other difficulty or disability",
    "NSA": "SEN support but no specialist assessment of type of need",
}
SCHOOL_PHASES = {"primary": "Primary", "secondary": "Secondary", "special": "Special school",
                 "alternative_provision": "Alternative provision / pupil referral unit"}

# --- Partnership (local) code lists ----------------------------------------------------
AGENCIES = {
    "school": "School or college", "health": "Health (health visiting, school nursing, GP)",
    "early_years": "Early years setting", "police": "Police", "housing": "Housing",
    "adult_services": "Adult services (adult social care, adult mental health, substance misuse)",
    "social_care": "Children's social care (step-down)", "voluntary_sector": "Voluntary sector",
    "self_referral": "Family self-referral", "youth_service": "Youth service / Youth Connect",
    "other": "Other agency",
}
# Agencies that count as "adult services, housing or police" for EH02.
JOINT_WORKING_AGENCIES = ("adult_services", "housing", "police")

NEEDS = {
    "housing": "Housing", "domestic_abuse": "Domestic abuse",
    "parental_mental_health": "Parental mental health", "substance_misuse": "Parental drug misuse",
    "parental_alcohol": "Parental alcohol misuse", "child_mental_health": "Child emotional / mental health",
    "school_attendance": "School attendance", "behaviour": "Behaviour", "parenting": "Parenting capacity",
    "financial": "Financial hardship", "neglect": "Neglect concerns", "send": "Special educational needs / disability",
}
EARLY_HELP_LEVELS = {"2": "Level 2 (targeted / single agency)", "3": "Level 3 (multi-agency, TAF)"}
CLOSURE_REASONS = {
    "outcomes_achieved": "Outcomes achieved", "stepped_up": "Stepped up to children's social care",
    "moved_away": "Moved out of area", "disengaged": "Family disengaged",
    "consent_withdrawn": "Consent withdrawn", "transferred": "Transferred to universal services",
    "other": "Other",
}
REFERRAL_SOURCES = {
    "police": "Police", "school": "School", "health": "Health services", "la_services": "Local authority services",
    "early_help": "Early Help", "individual": "Individual (family, friend, self)", "anonymous": "Anonymous",
    "other": "Other",
}
REFERRAL_OUTCOMES = {
    "nfa": "No further action", "assessment_no_plan": "Assessed, no plan",
    "cin_plan": "Child in need plan", "cp_plan": "Child protection plan", "looked_after": "Became looked after",
}
STATUTORY_OUTCOMES = ("cin_plan", "cp_plan", "looked_after")
RESPONDENTS = {"child": "Child", "young_person": "Young person", "parent": "Parent or carer"}
CME_REASONS = {
    "not_started": "Never started at a school", "moved_in": "Moved into area", "removed_from_roll": "Removed from roll",
    "left_uk_unconfirmed": "Left, destination unknown", "ehe_unsuitable": "Home education not suitable",
    "other": "Other",
}
CME_OUTCOMES = {
    "back_in_school": "Back in school", "moved_away": "Moved away (confirmed)", "ehe": "Elective home education",
    "left_country": "Left the country", "alternative_provision": "Alternative provision", "other": "Other",
}
YOS_OUTCOME_TYPES = {
    "youth_caution": "Youth caution", "youth_conditional_caution": "Youth conditional caution",
    "referral_order": "Referral order", "youth_rehabilitation_order": "Youth rehabilitation order",
    "custody": "Custodial sentence", "fine": "Fine", "conditional_discharge": "Conditional discharge",
    "absolute_discharge": "Absolute discharge",
}
PROGRAMMES = {  # reliable-change threshold on the programme's parenting-confidence scale
    "incredible_years": "Incredible Years", "triple_p": "Triple P", "freedom": "Freedom Programme",
    "mellow_parenting": "Mellow Parenting", "strengthening_families": "Strengthening Families",
}
RELIABLE_CHANGE = {"incredible_years": 6, "triple_p": 6, "freedom": 5, "mellow_parenting": 5,
                   "strengthening_families": 6}
ADULT_SERVICES = {
    "adult_mental_health": "Adult mental health", "substance_misuse": "Drug and alcohol service",
    "housing": "Housing", "domestic_abuse_service": "Domestic abuse service",
    "adult_social_care": "Adult social care", "probation": "Probation", "other": "Other adult service",
}
AUDIT_RATINGS = {"outstanding": "Outstanding", "good": "Good",
                 "requires_improvement": "Requires improvement", "inadequate": "Inadequate"}
PROVIDER_TYPES = {"nursery": "Private or voluntary nursery", "preschool": "Pre-school / playgroup",
                  "childminder": "Childminder", "school": "School nursery", "none": "No place taken"}
PANELS = {"behaviour_attendance": "Behaviour and attendance panel", "fair_access": "Fair access panel"}
PANEL_OUTCOMES = {"alternative_provision": "Placed in alternative provision", "managed_move": "Managed move",
                  "in_school_support": "Support in school", "no_action": "No action"}
SEXES = {"F": "Female", "M": "Male", "U": "Unknown / not stated"}
SHEU_SEXES = {"F": "Female", "M": "Male", "O": "Other / prefer not to say"}
LOCALITIES = {"bath_city": "Bath City", "keynsham": "Keynsham", "somer_valley": "Somer Valley",
              "chew_valley": "Chew Valley", "bathavon": "Bathavon"}
