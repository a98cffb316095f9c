"""Exchange with HDX (the Humanitarian Data Exchange): ``ckan hdx push`` and
``ckan hdx pull``."""
