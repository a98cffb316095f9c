"""docker/: what can be checked without a Docker engine, failing when the deployment is broken."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support import ROOT

DOCKER = ROOT / "docker"
SERVICES = {"init", "ckan", "worker", "nginx", "solr", "db", "redis"}
VENV_BIN = str(Path(sys.executable).parent)


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def env_example() -> dict[str, str]:
    pairs = {}
    for line in (DOCKER / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value
    return pairs


def test_every_service_is_there(compose):
    """The compose file has the web, init, worker, proxy, Solr, database and Redis services."""
    assert set(compose["services"]) == SERVICES


def test_images_are_pinned(compose):
    """Every image is pinned by an explicit version tag."""
    for name, service in compose["services"].items():
        image = service["image"]
        tag = image.rsplit(":", 1)[1] if ":" in image else ""
        assert tag, f"{name}: {image}"
        assert tag != "latest", f"{name}: {image}"
        assert re.search(r"\d", tag), f"{name}: {image}"


def test_health_checks_and_start_order(compose):
    """Long-running services have health checks; web and worker wait for the init run."""
    for name, service in compose["services"].items():
        if name == "init":
            continue
        assert "test" in service.get("healthcheck", {}), name
    for name in ("ckan", "worker"):
        assert compose["services"][name]["depends_on"]["init"]["condition"] == "service_completed_successfully"
    for dep in ("db", "solr", "redis"):
        assert compose["services"]["init"]["depends_on"][dep]["condition"] == "service_healthy"


def test_web_service_scales(compose):
    """The web service has no fixed name or host port, so --scale ckan=3 works behind nginx."""
    ckan = compose["services"]["ckan"]
    assert "container_name" not in ckan
    assert "ports" not in ckan
    conf = (DOCKER / "nginx" / "default.conf.template").read_text()
    assert "resolver 127.0.0.11" in conf
    assert "http://ckan:5000" in conf


def test_volumes_declared_and_used(compose):
    """Database, Solr, uploads and secrets live in named volumes, each declared."""
    used = {
        v.split(":", 1)[0] for s in compose["services"].values() for v in s.get("volumes", []) if not v.startswith(".")
    }
    assert {"db_data", "solr_data", "ckan_storage", "ckan_secrets"} <= used
    assert used <= set(compose["volumes"])


def test_every_variable_is_in_env_example():
    """Every ${VAR} the compose file uses is listed in .env.example, and nothing else is."""
    text = (DOCKER / "compose.yaml").read_text().replace("$$", "")
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", text))
    listed = set(env_example())
    assert used - listed == set(), "missing from .env.example"
    assert listed - used == set(), "listed but unused"


def test_no_secret_committed():
    """.env.example holds no secret values."""
    values = env_example()
    for key in ("CKAN_SECRET_KEY", "CKAN_JWT_SECRET", "POSTGRES_PASSWORD", "CKAN_SMTP_PASSWORD"):
        assert values[key] == "", key


def test_nginx_limits_and_headers():
    """nginx sets the upload limit, timeouts and security headers."""
    conf = (DOCKER / "nginx" / "default.conf.template").read_text()
    for needle in (
        "client_max_body_size ${NGINX_MAX_BODY_SIZE}",
        "proxy_read_timeout",
        "X-Content-Type-Options",
        "X-Frame-Options",
        "Referrer-Policy",
        "proxy_cache ckan_static",
    ):
        assert needle in conf


def test_search_backend_is_solr_in_the_image():
    """The image's configuration uses Solr (imwg_search off) and the spatial bbox backend."""
    ini = (DOCKER / "ckan.ini").read_text()
    plugins = re.search(r"ckan.plugins = (.*?)\n\S", ini, re.S).group(1).split()
    assert "imwg_search" not in plugins
    assert {"imwg", "scheming_datasets", "spatial_query"} <= set(plugins)


def test_solr_runs_the_repository_configset(compose):
    """docker/'s Solr creates its core from the repository's configset, the one the
    tests run on (make solr, make solrcloud), not from a third-party image's."""
    solr = compose["services"]["solr"]
    assert solr["image"].startswith("solr:9.10.")
    assert solr["command"] == ["solr-precreate", "ckan", "/configset"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in solr["volumes"]}
    assert (DOCKER / mounts["/configset"]).resolve() == ROOT / "solr" / "configset" / "ckan"
    launcher = (ROOT / "scripts" / "solr.sh").read_text()
    assert "CONF=solr/configset/ckan/conf" in launcher


def test_configset_has_what_ckan_and_spatial_need():
    """The configset has our solrconfig.xml and the files CKAN's schema names, and
    its schema generator adds the numeric bbox fields ckanext-spatial filters on."""
    conf = ROOT / "solr" / "configset" / "ckan" / "conf"
    assert "ClassicIndexSchemaFactory" in (conf / "solrconfig.xml").read_text()
    for name in ("synonyms.txt", "protwords.txt"):
        assert (conf / name).is_file(), name
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import solr_configset
    finally:
        sys.path.pop(0)
    schema = solr_configset.with_spatial(solr_configset.ckan_schema())
    for field in ("minx", "maxx", "miny", "maxy", "bbox_area"):
        assert f'<field name="{field}" type="pdouble"' in schema, field
    assert '<field name="bbox" type="bbox"' in schema
    assert schema.index('name="minx"') < schema.index('<dynamicField name="*"')


# -- the entrypoint ---------------------------------------------------------------


def entrypoint(tmp_path, env, *args):
    base = {
        "PATH": VENV_BIN + os.pathsep + os.environ["PATH"],
        "APP_DIR": str(tmp_path),
        "CKAN_INI": str(tmp_path / "run" / "ckan.ini"),
        "CKAN_INI_TEMPLATE": str(DOCKER / "ckan.ini"),
        "SECRETS_FILE": str(tmp_path / "secrets" / "secrets.env"),
    }
    return subprocess.run(
        ["bash", str(DOCKER / "entrypoint.sh"), *args], env={**base, **env}, capture_output=True, text=True, timeout=300
    )


VALID = {
    "CKAN_SITE_URL": "http://portal.example.org",
    "POSTGRES_PASSWORD": "ckan_imwg",
    "POSTGRES_USER": "ckan_imwg",
    "POSTGRES_DB": "ckan_imwg_test",
    "POSTGRES_HOST": "127.0.0.1",
}


@pytest.mark.parametrize(
    "drop, message",
    [("CKAN_SITE_URL", "CKAN_SITE_URL"), ("POSTGRES_PASSWORD", "POSTGRES_PASSWORD")],
)
def test_refuses_without_required_setting(tmp_path, drop, message):
    """A missing required setting stops the container with a message naming it."""
    env = {k: v for k, v in VALID.items() if k != drop}
    result = entrypoint(tmp_path, env, "true")
    assert result.returncode == 1
    assert "required setting(s) missing" in result.stderr
    assert message in result.stderr


def test_refuses_bad_site_url(tmp_path):
    """A site URL without a scheme is refused."""
    result = entrypoint(tmp_path, {**VALID, "CKAN_SITE_URL": "portal.example.org"}, "true")
    assert result.returncode == 1
    assert "must start with http" in result.stderr


def test_generates_secrets_once(tmp_path):
    """Absent secrets are generated at first start and kept for the next."""
    first = entrypoint(tmp_path, VALID, "true")
    assert first.returncode == 0, first.stderr
    secrets = (tmp_path / "secrets" / "secrets.env").read_text()
    assert re.search(r"CKAN_SECRET_KEY=\S{20,}", secrets)
    assert re.search(r"CKAN_JWT_SECRET=\S{20,}", secrets)
    assert entrypoint(tmp_path, VALID, "true").returncode == 0
    assert (tmp_path / "secrets" / "secrets.env").read_text() == secrets
    ini = (tmp_path / "run" / "ckan.ini").read_text()
    assert "set-by-entrypoint" not in ini.split("sqlalchemy.url")[0]


def test_image_configuration_loads_and_validates(tmp_path):
    """The configuration the image writes loads the suite's plugins and passes CKAN's validation."""
    ini = str(tmp_path / "run" / "ckan.ini")
    result = entrypoint(tmp_path, VALID, "ckan", "-c", ini, "config", "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    plugins = entrypoint(tmp_path, VALID, "ckan", "-c", ini, "config", "declaration", "imwg")
    assert plugins.returncode == 0
    assert "ckanext.imwg.demo_password_suffix" in plugins.stdout


def test_shellcheck():
    """The entrypoint passes shellcheck."""
    shellcheck = shutil.which("shellcheck")
    assert shellcheck, "shellcheck is installed by `make test`"
    result = subprocess.run([shellcheck, str(DOCKER / "entrypoint.sh")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
