#!/usr/bin/env bash
# The plugins' translation catalogs: ckanext/<plugin>/i18n/<lang>/LC_MESSAGES/ckanext-<plugin>.po
#
#   i18n.sh compile   compile every plugin's catalogs (.po -> .mo); fails on a catalog that does not compile
#   i18n.sh update    extract every plugin's messages (babel.cfg) into ckanext/<plugin>/i18n/ckanext-<plugin>.pot,
#                     then update each language's catalog, creating the missing ones
#
# A plugin is a directory ckanext/<plugin>/ with an __init__.py; one without messages gets no catalog.
# Languages: fr es ar, every language that already has a catalog, and those in I18N_LANGUAGES.
# I18N_PLUGINS limits `update` to some plugins (default: all). PYBABEL is the pybabel to run.
set -euo pipefail
cd "$(dirname "$0")/.."

PYBABEL=${PYBABEL:-.venv/bin/pybabel}
PYTHON=${PYTHON:-$(dirname "$PYBABEL")/python}

plugins() {
  if [ -n "${I18N_PLUGINS:-}" ]; then
    echo "$I18N_PLUGINS"
    return
  fi
  for init in ckanext/*/__init__.py; do
    basename "$(dirname "$init")"
  done
}

languages() {
  {
    # shellcheck disable=SC2086 # a list of languages
    printf '%s\n' fr es ar ${I18N_LANGUAGES:-}
    for dir in ckanext/*/i18n/*/LC_MESSAGES; do
      if [ -d "$dir" ]; then basename "$(dirname "$dir")"; fi
    done
  } | sort -u
}

compile() {
  local plugin dir
  for plugin in $(plugins); do
    dir=ckanext/$plugin/i18n
    compgen -G "$dir/*/LC_MESSAGES/ckanext-$plugin.po" >/dev/null || continue
    "$PYBABEL" -q compile -d "$dir" -D "ckanext-$plugin"
  done
}

update() {
  local plugin dir pot lang po
  for plugin in $(plugins); do
    dir=ckanext/$plugin/i18n
    pot=$dir/ckanext-$plugin.pot
    [ -d "ckanext/$plugin" ] || { echo "i18n: no plugin ckanext/$plugin" >&2; exit 1; }
    mkdir -p "$dir"
    "$PYBABEL" -q extract -F babel.cfg --no-wrap --sort-by-file --add-comments=TRANSLATORS: \
      --project="ckanext-$plugin" --version=0.1.0 -o "$pot" "ckanext/$plugin"
    if ! grep -q '^msgid "[^"]' "$pot"; then
      rm -f "$pot"
      rmdir --ignore-fail-on-non-empty "$dir"
      continue
    fi
    for lang in $(languages); do
      po=$dir/$lang/LC_MESSAGES/ckanext-$plugin.po
      if [ -f "$po" ]; then
        "$PYBABEL" -q update --no-wrap --ignore-obsolete -i "$pot" -d "$dir" -D "ckanext-$plugin" -l "$lang"
        "$PYTHON" scripts/i18n_catalog.py plural "$po" "$lang"
      else
        "$PYTHON" scripts/i18n_catalog.py new "$pot" "$po" "$lang"
        echo "i18n: created $po"
      fi
    done
  done
}

case "${1:-}" in
  compile) compile ;;
  update) update ;;
  *)
    echo "usage: $0 compile|update" >&2
    exit 2
    ;;
esac
