#!/usr/bin/env bash
# Build the project image with podman, without any container registry:
#   1. wheels of the project and of exactly the versions installed in the project's .venv
#      (pip wheel constrained by `pip freeze` of .venv: direct pins from pyproject.toml and the
#      transitive dependencies too, so the image runs the same Python stack as the host)
#   2. the Debian bookworm base made locally with debootstrap, imported as localhost/debian:bookworm
#      (skipped when that image exists)
#   3. podman build -f containers/Containerfile -t localhost/stereosarc-biomarkers:<version>
# Needs root (debootstrap), podman and runc (Debian). CONTAINERS_CONF may point at a
# containers.conf (tests set runtime=runc and default_ulimits=[]).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -1)
image="localhost/stereosarc-biomarkers:${version}"
base="localhost/debian:bookworm"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

log() { printf '[build_image] %s\n' "$*" >&2; }

log "building wheels into build/wheels (versions of .venv)"
rm -rf build/wheels
mkdir -p build/wheels
.venv/bin/pip freeze --exclude-editable | grep -v '^stereosarc-biomarkers' > build/wheels/constraints.txt
.venv/bin/pip wheel -q --constraint build/wheels/constraints.txt --wheel-dir build/wheels . >&2

if ! podman image exists "$base"; then
  log "making $base with debootstrap from $mirror"
  rootfs=$(mktemp -d)
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >&2
  tar -C "$rootfs" -c . | podman import - "$base" >&2
fi

log "building $image"
podman build -q -f containers/Containerfile -t "$image" . >&2
echo "$image"
