comment on table lookup_authorities is 'The authority reported on (OBA_LA_CODE) and its ten DfE statistical neighbours, closest first';
comment on column lookup_authorities.la_code is 'Old (DfE) LA code, as text: joins pub_values.area_code';
comment on column lookup_authorities.la_name is 'Authority name';
comment on column lookup_authorities.role is 'authority (the one reported on) | statistical neighbour';
comment on column lookup_authorities.neighbour_rank is '0 for the authority itself, 1 (closest) to 10 for its neighbours';
comment on column lookup_authorities.closeness is 'DfE closeness band of the neighbour (Very close, Close, Somewhat close, Not close); empty for the authority';
comment on column lookup_authorities.region_code is 'ONS region code as published (London authorities: E12000007)';
comment on column lookup_authorities.region_name is 'Region name as published';
