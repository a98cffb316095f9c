"""ckanext-scheming schemas of the suite, installed as ``ckanext.imwg.schemas``."""
