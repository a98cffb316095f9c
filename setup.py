"""ckanext-imwg: a suite of CKAN plugins for humanitarian country data portals."""
from setuptools import find_namespace_packages, setup

setup(
    name="ckanext-imwg",
    version="0.1.0",
    description=(
        "CKAN plugins for humanitarian country data portals: schemas, P-codes, "
        "sensitivity gating, HXL previews and a PostgreSQL search backend"
    ),
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="AGPL-3.0-or-later",
    python_requires=">=3.10",
    packages=find_namespace_packages(include=["ckanext.*"]) + ["ckanext.imwg.schemas"],
    # The scheming YAML lives at the top of the repository (schemas/) and is
    # installed as ckanext.imwg.schemas, so "ckanext.imwg.schemas:x.yaml"
    # references resolve after a plain `pip install`.
    package_dir={"ckanext.imwg.schemas": "schemas"},
    include_package_data=True,
    package_data={
        "": [
            "*.yaml",
            "*.yml",
            "*.json",
            "*.csv",
            "demo_data/*",
            "templates/**/*",
            "assets/**/*",
            "public/**/*",
            "i18n/**/*",
            "migration/**/*",
        ],
    },
    zip_safe=False,
    entry_points={
        "ckan.plugins": [
            "imwg = ckanext.imwg.plugin:ImwgPlugin",
            "imwg_search = ckanext.imwg_search.plugin:ImwgSearchPlugin",
            "imwg_pcode = ckanext.imwg_pcode.plugin:ImwgPcodePlugin",
            "imwg_sensitivity = ckanext.imwg_sensitivity.plugin:ImwgSensitivityPlugin",
            "imwg_hxl = ckanext.imwg_hxl.plugin:ImwgHxlPlugin",
            "imwg_exchange = ckanext.imwg_exchange.plugin:ImwgExchangePlugin",
            "imwg_interop = ckanext.imwg_interop.plugin:ImwgInteropPlugin",
            "imwg_notify = ckanext.imwg_notify.plugin:ImwgNotifyPlugin",
            "imwg_imsma = ckanext.imwg_imsma.plugin:ImwgImsmaPlugin",
        ],
        # the suite's fields in DCAT-AP and schema.org (ckanext-dcat's profiles)
        "ckan.rdf.profiles": [
            "imwg = ckanext.imwg_interop.profile:ImwgProfile",
        ],
    },
)
