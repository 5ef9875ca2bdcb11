#!/usr/bin/env bash
# Nextflow launcher for the Maven-resolved runtime in .nextflow-dist/lib.
# JVM flags follow the official launcher script for Java >= 11; no plugins, no network.
set -eu
dist="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export NXF_HOME="${NXF_HOME:-$dist/home}"
export NXF_OFFLINE=true
export NXF_DISABLE_CHECK_LATEST=true
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
opens=(java.lang java.io java.nio java.nio.file.spi java.net java.util
       java.util.concurrent.locks java.util.concurrent.atomic sun.nio.ch sun.nio.fs
       sun.net.www.protocol.http sun.net.www.protocol.https sun.net.www.protocol.ftp
       sun.net.www.protocol.file jdk.internal.misc jdk.internal.vm java.util.regex)
flags=(-XX:+TieredCompilation -XX:TieredStopAtLevel=1 -Dfile.encoding=UTF-8
       -Dcapsule.trampoline=true -Djava.awt.headless=true)
for pkg in "${opens[@]}"; do flags+=("--add-opens=java.base/$pkg=ALL-UNNAMED"); done
# shellcheck disable=SC2086
exec "$java_bin" "${flags[@]}" ${NXF_OPTS:-} -cp "$dist/lib/*" nextflow.cli.Launcher "$@"
