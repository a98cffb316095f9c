"""Write the Solr configset's schema.xml: CKAN's own schema plus the spatial fields.

CKAN's schema.xml is a third-party file that comes with the installed ckan
package, so it is copied at build time rather than kept in the repository.
ckanext-spatial's `solr-bbox` backend indexes minx/maxx/miny/maxy and filters
on them with a ``{!frange}`` function query, which needs numeric fields (the
schema's catch-all ``*`` is a string); `bbox` and `spatial_geom` serve its
`solr-spatial-field` backend. The result is used by `make solr`,
`make solrcloud` and docker/compose.yaml alike.

Usage: python scripts/solr_configset.py [CONF_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

CONF = Path(__file__).resolve().parent.parent / "solr" / "configset" / "ckan" / "conf"

SPATIAL_TYPES = """
    <!-- imwg: spatial types for ckanext-spatial -->
    <fieldType name="bbox" class="solr.BBoxField" geo="true" distanceUnits="kilometers" numberType="pdouble"/>
    <fieldType name="location_rpt" class="solr.SpatialRecursivePrefixTreeFieldType"
               geo="true" distErrPct="0.025" maxDistErr="0.001" distanceUnits="kilometers"/>
"""

SPATIAL_FIELDS = """
    <!-- imwg: ckanext-spatial's solr-bbox backend (frange over the envelope) -->
    <field name="minx" type="pdouble" indexed="true" stored="true"/>
    <field name="maxx" type="pdouble" indexed="true" stored="true"/>
    <field name="miny" type="pdouble" indexed="true" stored="true"/>
    <field name="maxy" type="pdouble" indexed="true" stored="true"/>
    <field name="bbox_area" type="pdouble" indexed="true" stored="true"/>
    <!-- imwg: its solr-spatial-field backend -->
    <field name="bbox" type="bbox" indexed="true" stored="true" multiValued="false"/>
    <field name="spatial_geom" type="location_rpt" indexed="true" stored="true" multiValued="true"/>
"""


def ckan_schema() -> str:
    """CKAN's schema.xml, from the ckan package this environment runs."""
    import ckan

    return (Path(ckan.__file__).parent / "config" / "solr" / "schema.xml").read_text(encoding="utf-8")


def with_spatial(schema: str) -> str:
    """The schema with the spatial types and fields inserted; fails loudly if CKAN's layout changed."""
    for marker in ("</types>", '<dynamicField name="*_date"'):
        if schema.count(marker) != 1:
            raise SystemExit(f"CKAN's schema.xml changed: expected one {marker!r}")
    schema = schema.replace("</types>", SPATIAL_TYPES + "</types>")
    return schema.replace('<dynamicField name="*_date"', SPATIAL_FIELDS.lstrip() + '    <dynamicField name="*_date"')


def main() -> None:
    conf = Path(sys.argv[1]) if len(sys.argv) > 1 else CONF
    conf.mkdir(parents=True, exist_ok=True)
    target = conf / "schema.xml"
    schema = with_spatial(ckan_schema())
    if not target.exists() or target.read_text(encoding="utf-8") != schema:
        target.write_text(schema, encoding="utf-8")


if __name__ == "__main__":
    main()
