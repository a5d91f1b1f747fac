comment on table pub_statistical_neighbours is 'DfE 2025 statistical neighbours: ten per local authority, closest first.';
comment on column pub_statistical_neighbours.la_code is 'Old LA code of the authority, as text';
comment on column pub_statistical_neighbours.la_name is 'Authority name';
comment on column pub_statistical_neighbours.neighbour_rank is '1 (closest) to 10';
comment on column pub_statistical_neighbours.neighbour_code is 'Old LA code of the neighbour, as text';
comment on column pub_statistical_neighbours.neighbour_name is 'Neighbour name';
comment on column pub_statistical_neighbours.closeness is 'DfE closeness band (Very close, Close, Somewhat close, Not close)';
