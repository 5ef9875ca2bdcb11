#!/usr/bin/env bash
# Run the whole test suite (unit, CLI, cross-checks, pipeline runs on the demo cohort).
# pytest's exit code 5 ("no tests collected") is a failure here, as any non-zero code is.
# Usage: scripts/run_tests.sh [--workers N] [pytest arguments]
#   --workers N  N pytest-xdist workers (N > 1), each taking whole test modules so module and
#                session fixtures (a demo run, an R batch) are made once per worker;
#                `make test` uses 2. Without it: one process, as plain pytest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/.nextflow-dist/bin:$root/.venv/bin:$PATH"
export PYTHONHASHSEED=0 MPLBACKEND=Agg
parallel=()
if [ "${1:-}" = "--workers" ]; then
  [[ "${2:-}" =~ ^[0-9]+$ ]] || { echo "run_tests.sh: --workers needs a number" >&2; exit 2; }
  if [ "$2" -gt 1 ]; then
    parallel=(-n "$2" --dist loadscope --no-loadscope-reorder)
  fi
  shift 2
fi
exec .venv/bin/python -m pytest -q -ra -p no:cacheprovider "${parallel[@]}" "$@"
