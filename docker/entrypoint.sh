#!/usr/bin/env bash
# Entrypoint of the portal image.
#   init    wait for the services, apply every migration, build the Solr
#           index when it is empty (run once, before web and worker)
#   web     serve CKAN with gunicorn
#   worker  run background jobs
#   *       any other command, after the configuration is written
set -euo pipefail

APP=${APP_DIR:-/srv/app}
SECRETS=${SECRETS_FILE:-$APP/secrets/secrets.env}
INI=${CKAN_INI:-$APP/run/ckan.ini}
TEMPLATE=${CKAN_INI_TEMPLATE:-$APP/ckan.ini.template}

die() { echo "imwg-entrypoint: $*" >&2; exit 1; }

# -- settings that must be given --------------------------------------------
missing=()
for name in CKAN_SITE_URL POSTGRES_PASSWORD; do
  [ -n "${!name:-}" ] || missing+=("$name")
done
if [ ${#missing[@]} -gt 0 ]; then
  die "required setting(s) missing: ${missing[*]} (see docker/.env.example)"
fi
case "$CKAN_SITE_URL" in
  http://*|https://*) ;;
  *) die "CKAN_SITE_URL must start with http:// or https:// (got '$CKAN_SITE_URL')" ;;
esac

# -- secrets: given, or generated once and kept on the secrets volume --------
if [ -z "${CKAN_SECRET_KEY:-}" ] || [ -z "${CKAN_JWT_SECRET:-}" ]; then
  if [ ! -f "$SECRETS" ]; then
    mkdir -p "$(dirname "$SECRETS")" || die "cannot create $(dirname "$SECRETS")"
    umask 077
    {
      echo "CKAN_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
      echo "CKAN_JWT_SECRET=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
    } > "$SECRETS" || die "cannot write $SECRETS"
    echo "imwg-entrypoint: generated secrets in $SECRETS"
  fi
  # shellcheck disable=SC1090
  . "$SECRETS"
fi

export CKAN_SQLALCHEMY_URL="postgresql://${POSTGRES_USER:-ckan}:${POSTGRES_PASSWORD}@${POSTGRES_HOST:-db}:5432/${POSTGRES_DB:-ckan}"
export CKAN_SOLR_URL="${CKAN_SOLR_URL:-http://solr:8983/solr/ckan}"
export CKAN_REDIS_URL="${CKAN_REDIS_URL:-redis://redis:6379/0}"

# -- the configuration ---------------------------------------------------------
mkdir -p "$(dirname "$INI")"
cp "$TEMPLATE" "$INI"
ckan config-tool "$INI" \
  "SECRET_KEY=${CKAN_SECRET_KEY}" \
  "api_token.jwt.encode.secret=string:${CKAN_JWT_SECRET}" \
  "api_token.jwt.decode.secret=string:${CKAN_JWT_SECRET}" \
  "ckan.site_url=${CKAN_SITE_URL}" \
  "ckan.site_title=${CKAN_SITE_TITLE:-IMWG country data portal}" \
  "ckan.locale_default=${CKAN_LOCALE_DEFAULT:-en}" \
  "smtp.mail_from=${CKAN_SMTP_MAIL_FROM:-}" \
  >/dev/null

wait_for() {  # host port name
  local tries=${WAIT_SECONDS:-120}
  until (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || die "$3 did not answer on $1:$2"
    sleep 1
  done
}

solr_is_empty() {
  python3 - "$CKAN_SOLR_URL" <<'PY'
import json, sys, urllib.request
url = sys.argv[1].rstrip("/") + "/select?q=*:*&rows=0&wt=json"
found = json.load(urllib.request.urlopen(url, timeout=10))["response"]["numFound"]
sys.exit(0 if found == 0 else 1)
PY
}

case "${1:-web}" in
  init)
    wait_for "${POSTGRES_HOST:-db}" 5432 PostgreSQL
    wait_for solr 8983 Solr
    wait_for redis 6379 Redis
    ckan -c "$INI" db upgrade
    if solr_is_empty; then
      echo "imwg-entrypoint: the Solr index is empty: rebuilding it"
      ckan -c "$INI" search-index rebuild
    fi
    ;;
  web)
    wait_for "${POSTGRES_HOST:-db}" 5432 PostgreSQL
    # the JavaScript modules' messages in every language (into the storage volume; gunicorn never builds them)
    ckan -c "$INI" translation js >/dev/null || echo "imwg-entrypoint: JS translations not built" >&2
    exec gunicorn --chdir "$APP" --bind 0.0.0.0:5000 --workers "${GUNICORN_WORKERS:-4}" \
      --timeout "${GUNICORN_TIMEOUT:-120}" --forwarded-allow-ips='*' wsgi:application
    ;;
  worker)
    wait_for redis 6379 Redis
    exec ckan -c "$INI" jobs worker
    ;;
  *)
    exec "$@"
    ;;
esac
