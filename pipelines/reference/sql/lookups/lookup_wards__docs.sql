comment on table lookup_wards is 'Wards of the authority and the locality each belongs to (the ward lookup: <data dir>/settings/wards.csv, else the packaged demo one). Join indicator_values.breakdown_value where breakdown = ''ward''';
comment on column lookup_wards.ward_code is 'ONS electoral ward code (E05...), as in the extracts and indicator_values.breakdown_value';
comment on column lookup_wards.ward_name is 'Ward name';
comment on column lookup_wards.locality is 'Locality code, as in indicator_values.breakdown_value where breakdown = ''locality''';
comment on column lookup_wards.locality_name is 'Locality name';
