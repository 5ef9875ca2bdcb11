#!/usr/bin/env bash
# Set up everything the workflow needs, idempotently, into project-local folders:
#   .venv/            Python virtual environment with the pinned scientific stack
#   .nextflow-dist/   Nextflow resolved from Maven Central, with its launcher in bin/
# Usage: scripts/setup.sh [--test-tools]
#   --test-tools  also install the independent tools the tests compare against
#                 (Debian: samtools, bcftools, tabix, mosdepth, r-base-core, r-cran-survival, r-cran-mice;
#                 PyPI: cnvkit into its own .venv-cnvkit) and
#                 the real SLURM daemons the cluster test starts (slurm-wlm, munge) and
#                 the container engine of the image test (podman, runc, debootstrap)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

NEXTFLOW_VERSION="${NEXTFLOW_VERSION:-24.10.8}"  # last 24.10 release on Maven Central (issue 2)
PYTHON="${PYTHON:-python3}"

log() { printf '[setup] %s\n' "$*" >&2; }

need() {
  command -v "$1" >/dev/null 2>&1 || { log "missing '$1': $2"; exit 1; }
}

setup_python() {
  if [ ! -x .venv/bin/python ]; then
    log "creating .venv"
    "$PYTHON" -m venv .venv
  fi
  # the stamp covers what the install builds from: metadata, setup.py and the C cores
  local stamp=.venv/.installed-$(cat pyproject.toml setup.py ./*/*.c ./*/*.h 2>/dev/null | sha256sum | cut -c1-16)
  if [ ! -e "$stamp" ]; then
    need cc "a C compiler is required to build the compiled cores of ctdna and tmb (Debian: gcc python3-dev)"
    log "installing Python packages (pinned in pyproject.toml)"
    .venv/bin/pip install -q --upgrade pip >/dev/null
    .venv/bin/pip install -q -e ".[test]"
    rm -f .venv/.installed-*
    touch "$stamp"
  fi
}

setup_nextflow() {
  local dist=.nextflow-dist
  if [ -x "$dist/bin/nextflow" ] && [ -e "$dist/.version-$NEXTFLOW_VERSION" ]; then
    return
  fi
  need java "Java 17 is required (Debian: openjdk-17-jre-headless)"
  need mvn "Maven is required to resolve Nextflow from Maven Central (Debian: maven)"
  log "resolving io.nextflow:nextflow:$NEXTFLOW_VERSION from Maven Central"
  rm -rf "$dist"
  mkdir -p "$dist/lib" "$dist/bin" "$dist/home"
  sed "s/@NEXTFLOW_VERSION@/$NEXTFLOW_VERSION/" scripts/nextflow-pom.xml > "$dist/pom.xml"
  mvn -B -q -f "$dist/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$root/$dist/lib" -DincludeScope=runtime >&2
  install -m 0755 scripts/nextflow-launcher.sh "$dist/bin/nextflow"
  touch "$dist/.version-$NEXTFLOW_VERSION"
}

setup_test_tools() {
  local missing=()
  command -v samtools >/dev/null || missing+=(samtools)
  command -v bcftools >/dev/null || missing+=(bcftools)
  command -v bgzip >/dev/null || missing+=(tabix)
  command -v mosdepth >/dev/null || missing+=(mosdepth)
  # Debian's mosdepth dlopens the unversioned libhts.so, which only libhts-dev ships
  ls /usr/lib/*/libhts.so >/dev/null 2>&1 || missing+=(libhts-dev)
  if ! command -v Rscript >/dev/null || ! Rscript -e 'library(survival)' >/dev/null 2>&1; then
    missing+=(r-base-core r-cran-survival)
  fi
  # multiple-imputation cross-check (tests/crosscheck/test_mice_r.py): R mice::pool
  Rscript -e 'library(mice)' >/dev/null 2>&1 || missing+=(r-cran-mice)
  # low-pass segmentation cross-check (tests/crosscheck/test_ctdna_lowpass_model_r.py)
  Rscript -e 'library(strucchange)' >/dev/null 2>&1 || missing+=(r-cran-strucchange)
  [ -x /usr/sbin/slurmctld ] || missing+=(slurm-wlm)
  [ -x /usr/sbin/munged ] || missing+=(munge)
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || missing+=(runc)
  [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
  # report browser test and screenshots (outcome.report_browser): headless Chromium
  command -v chromium >/dev/null || missing+=(chromium)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
  fi
  scripts/setup_cnvkit.sh  # CNVkit in its own .venv-cnvkit (copy-number cross-check)
}

setup_python
setup_nextflow
if [ "${1:-}" = "--test-tools" ]; then
  setup_test_tools
fi
log "ready: $root/.venv and $root/.nextflow-dist/bin/nextflow"
