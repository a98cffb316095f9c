# ckanext-imwg: `make portal` serves the demo portal, `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
CKAN := $(VENV)/bin/ckan
PORTAL_INI := portal.ini
PORT ?= 5000
HOST ?= 127.0.0.1

.PHONY: install services venv i18n i18n-update db tools portal demo test lint benchmark benchmark-pcode benchmark-sensitivity benchmark-hxl benchmark-uploads benchmark-load benchmark-overview benchmark-notify benchmark-export benchmark-imsma clean solr-configset solr solr-stop solrcloud test-solr

## install: virtualenv, pinned dependencies, translations, services, databases, migrations (idempotent)
install: services venv i18n db

services:
	@bash scripts/services.sh

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt setup.py
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip wheel "setuptools<80"
	$(VENV)/bin/pip install -q -r requirements.txt -r requirements-dev.txt
	$(VENV)/bin/pip install -q --no-deps -e .
	@touch $@

## i18n: compile every plugin's translation catalogs (ckanext/<plugin>/i18n: fr, es, ar)
i18n: venv
	@PYBABEL=$(VENV)/bin/pybabel bash scripts/i18n.sh compile

## i18n-update: extract every plugin's messages (babel.cfg) and update its catalogs, creating missing ones
## (I18N_PLUGINS="imwg_hxl": some plugins only; I18N_LANGUAGES="pt": a new language)
i18n-update: venv
	@PYBABEL=$(VENV)/bin/pybabel bash scripts/i18n.sh update

db: services venv
	@bash scripts/db.sh ckan_imwg ckan_imwg_test ckan_imwg_test_hdx
	@CKAN=$(CKAN) bash scripts/datastore-db.sh
	@CKAN=$(CKAN) bash scripts/portal-config.sh $(PORTAL_INI)
	@mkdir -p .data/storage .data/test-storage
	@$(CKAN) -c $(PORTAL_INI) db init 2>&1 | grep -v "^\s*$$" | tail -n 2
	@$(CKAN) -c $(PORTAL_INI) db upgrade 2>&1 | tail -n 1
	@$(CKAN) -c test.ini db init 2>&1 | tail -n 1
	@$(CKAN) -c test.ini db upgrade 2>&1 | tail -n 1

## tools: Debian's chromium (browser tests, driven by Playwright) and shellcheck
tools:
	@missing=""; command -v chromium >/dev/null || missing="$$missing chromium"; \
	  command -v shellcheck >/dev/null || missing="$$missing shellcheck"; \
	  if [ -n "$$missing" ]; then echo "installing$$missing with apt-get"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

## demo: load the demo content into the portal (idempotent)
demo: install
	@$(CKAN) -c $(PORTAL_INI) pcode load --if-empty ckanext/imwg_pcode/demo_data/mmr_demo_units.geojson
	@$(CKAN) -c $(PORTAL_INI) imwg demo

## portal: everything above, served by gunicorn on $(HOST):$(PORT) (HOST=0.0.0.0 behind a proxy),
## with a supervised background-jobs worker, the local mail catcher (mail written to .data/mail,
## shown at /ckan-admin/mail) and the notifications' tick every 5 minutes (scripts/portal.sh)
portal: demo
	@CKAN=$(CKAN) HOST=$(HOST) PORT=$(PORT) bash scripts/portal.sh $(PORTAL_INI)

## test: the whole test suite against real PostgreSQL, Redis and chromium, in two halves at the same
## time (pytest-split, by the durations in tests/durations.json: the first on test.ini, output on the
## terminal; the second on tests/second.ini, own databases, Redis database and files, output in
## .data/test-2.log, shown at the end) and, beside them, the tests that search (SOLR_TESTS) on a Solr
## it starts (tests/solr.ini, own database; output in .data/test-solr.log, shown at the end); fails if
## any fails or Solr rejected a document; stops the Solr it started
SPLIT = --splits 2 --splitting-algorithm duration_based_chunks --durations-path tests/durations.json
test: install tools solr-configset solr/target/classpath.txt
	@bash scripts/solr.sh with bash -c '\
	  $(SOLR_TEST_DB) && $(SECOND_TEST_DB) || exit 1; \
	  solr_log=$$(wc -l <.data/solr.log); \
	  $(VENV)/bin/python -m pytest --ckan-ini=tests/solr.ini -p no:cacheprovider --durations=15 $(SOLR_TESTS) "$$@" \
	    >.data/test-solr.log 2>&1 & solr_pass=$$!; \
	  IMWG_DATASTORE_DB=$(SECOND_DATASTORE_DB) \
	    $(VENV)/bin/python -m pytest --ckan-ini=tests/second.ini tests $(SPLIT) --group 2 -p no:cacheprovider \
	    --durations=15 "$$@" >.data/test-2.log 2>&1 & second_half=$$!; \
	  $(VENV)/bin/python -m pytest --ckan-ini=test.ini tests $(SPLIT) --group 1 --durations=15 "$$@"; postgres=$$?; \
	  wait $$second_half; second=$$?; \
	  echo "== the second half on PostgreSQL (tests/second.ini), from .data/test-2.log:"; cat .data/test-2.log; \
	  wait $$solr_pass; solr=$$?; \
	  echo "== the search tests on Solr (tests/solr.ini), from .data/test-solr.log:"; cat .data/test-solr.log; \
	  if tail -n +$$((solr_log + 1)) .data/solr.log | grep -E "(ERROR|WARN).*\[doc="; then \
	    echo "== Solr rejected the documents above (.data/solr.log)"; solr=1; fi; \
	  echo "== PostgreSQL pass: exit $$postgres (first half), $$second (second half); Solr pass: exit $$solr"; \
	  exit $$((postgres || second || solr))' test-passes $(PYTEST_ARGS)

## the second half's databases (test.ini's and the DataStore's, as `make db` makes those of the first)
SECOND_DATASTORE_DB = ckan_imwg_datastore_test_2
SECOND_TEST_DB = bash scripts/db.sh ckan_imwg_test_2 >/dev/null && \
	IMWG_DATASTORE_DB=$(SECOND_DATASTORE_DB) CKAN=$(CKAN) bash scripts/datastore-db.sh >/dev/null && \
	mkdir -p .data/test-storage-2 && $(CKAN) -c tests/second.ini db init 2>&1 | tail -n 1 && \
	$(CKAN) -c tests/second.ini db upgrade 2>&1 | tail -n 1

lint:
	$(VENV)/bin/ruff check ckanext tests benchmarks

## benchmark: search latency, rebuild throughput and memory of the PostgreSQL backend and Solr side by side
## (the same datasets, alternating; BENCH_ARGS="--datasets 10000 50000 200000"; its own Solr on :8993)
benchmark: install solr-configset solr/target/classpath.txt
	@SOLR_NAME=solr-bench SOLR_PORT=8993 bash scripts/solr.sh start
	@$(VENV)/bin/python benchmarks/search.py $(BENCH_ARGS); status=$$?; \
	  SOLR_NAME=solr-bench bash scripts/solr.sh stop; exit $$status

## benchmark-pcode: gazetteer load, pcode_search, tagging overhead, coverage (needs a Global P-code list)
benchmark-pcode: install
	$(VENV)/bin/python benchmarks/pcode.py $(PCODE_BENCH_ARGS)

## benchmark-sensitivity: package_search and package_show with and without imwg_sensitivity (10,000 datasets)
benchmark-sensitivity: install
	$(VENV)/bin/python benchmarks/sensitivity.py $(SENSITIVITY_BENCH_ARGS)

## benchmark-hxl: the HXL profile of a 1,000,000-row file against libhxl, and the view of a profiled resource
benchmark-hxl: install
	$(VENV)/bin/python benchmarks/hxl.py $(HXL_BENCH_ARGS)

## benchmark-uploads: the analyses of an uploaded file in one job over one read, against three reads and three jobs
benchmark-uploads: install
	$(VENV)/bin/python benchmarks/uploads.py $(UPLOADS_BENCH_ARGS)

## benchmark-load: the portal as the docker image serves it (gunicorn, 4 workers, a jobs worker) under 20 searchers
## and 2 publishers (locust) for 5 minutes on each backend (PostgreSQL, then a Solr of its own on :8994);
## then the index must equal the database (LOAD_BENCH_ARGS="--duration 60": a short run)
benchmark-load: install solr-configset solr/target/classpath.txt
	$(VENV)/bin/python benchmarks/load.py $(LOAD_BENCH_ARGS)

## solr: Solr 9.10.1 (Maven Central, our launcher in solr/) in the background on 127.0.0.1:8983,
## core ckan (solr_url = http://127.0.0.1:8983/solr/ckan), data in .data/solr, log .data/solr.log
solr: solr-configset solr/target/classpath.txt
	@bash scripts/solr.sh start

## solr-stop: stop `make solr` and `make solrcloud`
solr-stop:
	@bash scripts/solr.sh stop

## solrcloud: two SolrCloud nodes (127.0.0.1:8984, :8985) with ZooKeeper on :9983, collection ckan,
## 2 shards x 2 replicas, fresh at each start (solr_url = http://127.0.0.1:8984/solr/ckan)
solrcloud: solr-configset solr/target/classpath.txt
	@bash scripts/solr.sh cloud

## solr-configset: the configset's schema.xml (CKAN's, from the installed ckan, plus spatial fields)
solr-configset: venv
	@$(VENV)/bin/python scripts/solr_configset.py

solr/target/classpath.txt: solr/pom.xml $(wildcard solr/src/main/java/org/imwg/solr/*.java solr/src/main/resources/*)
	@command -v mvn >/dev/null || { echo "make solr needs Java 17 and Maven (apt-get install maven)"; exit 1; }
	@cd solr && mvn -q -B compile
	@touch $@

## test-solr: the search-related tests on Solr (tests/solr.ini: imwg_search off, solr_url at make solr,
## database ckan_imwg_test_solr), and the SolrCloud faults (tests/test_solrcloud_faults.py)
SOLR_TESTS ?= tests/test_solr_setup.py tests/imwg/test_search_unavailable.py tests/imwg/test_index_updates.py tests/imwg_search/test_search.py \
	tests/imwg_search/test_pages.py tests/imwg_pcode/test_tagging.py tests/imwg_sensitivity/test_gating.py \
	tests/imwg_sensitivity/test_levels.py tests/imwg_sensitivity/test_gating_pages.py \
	tests/imwg_hxl/test_preview.py::TestTheJob::test_an_hxl_upload_is_profiled_flagged_viewed_and_searchable \
	tests/imwg/test_demo.py \
	tests/imwg_exchange/test_overview.py tests/imwg_exchange/test_holdings.py tests/test_solrcloud_faults.py
SOLR_TEST_DB = bash scripts/db.sh ckan_imwg_test_solr && mkdir -p .data/test-storage-solr && \
	$(CKAN) -c tests/solr.ini db init 2>&1 | tail -n 1 && $(CKAN) -c tests/solr.ini db upgrade 2>&1 | tail -n 1
test-solr: install solr
	@$(if $(SOLR_TEST_INI),,$(SOLR_TEST_DB))
	$(VENV)/bin/python -m pytest --ckan-ini=$(or $(SOLR_TEST_INI),tests/solr.ini) -p no:cacheprovider $(SOLR_TESTS) $(PYTEST_ARGS)

## benchmark-export: the gazetteer downloads (GeoJSON, GeoPackage, Shapefile, CSV) of 100,000 units with boundaries
benchmark-export: install
	$(VENV)/bin/python benchmarks/pcode_export.py $(EXPORT_BENCH_ARGS)

## benchmark-overview: the overview, the holdings matrix, needs matching and freshness at 10,000 datasets
benchmark-overview: install
	$(VENV)/bin/python benchmarks/overview.py $(OVERVIEW_BENCH_ARGS)

## benchmark-notify: 10,000 followers of a state, 1,000 datasets changing in a day: fan-out and daily digest to SMTP; access requests with and without imwg_notify
benchmark-notify: install
	$(VENV)/bin/python benchmarks/notify.py $(NOTIFY_BENCH_ARGS)

## benchmark-imsma: IMSMA import: 100,000 points and 20,000 polygons placed and aggregated against 5,000 admin-3 units
benchmark-imsma: install
	$(VENV)/bin/python benchmarks/imsma.py $(IMSMA_BENCH_ARGS)

clean:
	rm -rf $(VENV) .data $(PORTAL_INI) *.egg-info
