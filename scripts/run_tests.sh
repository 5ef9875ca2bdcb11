#!/usr/bin/env bash
# Run the whole test suite (unit, CLI, cross-checks, pipeline runs on the demo cohort).
# pytest's exit code 5 ("no tests collected") is a failure here, as any non-zero code is.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/.nextflow-dist/bin:$root/.venv/bin:$PATH"
export PYTHONHASHSEED=0 MPLBACKEND=Agg
exec .venv/bin/python -m pytest -q -ra -p no:cacheprovider "$@"
