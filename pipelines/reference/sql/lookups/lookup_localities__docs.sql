comment on table lookup_localities is 'The authority''s localities (from the ward lookup): code, name and how many wards each has';
comment on column lookup_localities.locality is 'Locality code, as in indicator_values.breakdown_value where breakdown = ''locality''';
comment on column lookup_localities.locality_name is 'Locality name';
comment on column lookup_localities.wards is 'Wards in the locality (lookup_wards)';
