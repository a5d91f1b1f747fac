"""placeholder"""
def read(files, pz, partial_years=False, **_):
    raise NotImplementedError
