#!/usr/bin/env bash
# Install CNVkit, the peer tool of the copy-number cross-check, into its own venv
# .venv-cnvkit/ (git-ignored; never into .venv), pinned by tests/crosscheck/cnvkit-requirements.txt.
# Idempotent: a stamp named after the requirements' hash skips a finished install.
# Usage: scripts/setup_cnvkit.sh   (run by scripts/setup.sh --test-tools and by the test)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
PYTHON="${PYTHON:-python3}"
requirements=tests/crosscheck/cnvkit-requirements.txt
venv=.venv-cnvkit
stamp="$venv/.installed-$(sha256sum "$requirements" | cut -c1-16)"
[ -e "$stamp" ] && exit 0
printf '[setup] installing CNVkit into %s (%s)\n' "$venv" "$requirements" >&2
[ -x "$venv/bin/python" ] || "$PYTHON" -m venv "$venv"
"$venv/bin/pip" install -q -r "$requirements"
rm -f "$venv"/.installed-*
touch "$stamp"
