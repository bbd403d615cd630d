# Shared by the tools/ launchers: builds the project on first use (or when a source is newer than
# the last build), then runs the given main class on the project's classpath.
# Usage (from a launcher): source "$here/lib/launch.sh"; launch org.bgan.cli.Main "$@"
set -euo pipefail
BGAN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

bgan_build_if_needed() {
  local stamp="$BGAN_ROOT/target/.launcher-build-stamp"
  local need=0
  if [ ! -f "$stamp" ] || [ ! -d "$BGAN_ROOT/target/lib" ]; then
    need=1
  elif [ -n "$(find "$BGAN_ROOT/java" "$BGAN_ROOT/pom.xml" -newer "$stamp" -print -quit 2>/dev/null)" ]; then
    need=1
  fi
  if [ "$need" = 1 ]; then
    if ! command -v mvn >/dev/null 2>&1; then
      echo "error: Maven (mvn) is needed to build the toolkit on first use; install it (apt-get install maven)" >&2
      exit 3
    fi
    mkdir -p "$BGAN_ROOT/target"
    # One build at a time: concurrent launchers (e.g. parallel study runs) wait for it.
    exec 9>"$BGAN_ROOT/target/.launcher-build.lock"
    if command -v flock >/dev/null 2>&1; then flock 9; fi
    if [ ! -f "$stamp" ] || [ ! -d "$BGAN_ROOT/target/lib" ] \
        || [ -n "$(find "$BGAN_ROOT/java" "$BGAN_ROOT/pom.xml" -newer "$stamp" -print -quit 2>/dev/null)" ]; then
      echo "building the toolkit (first use or changed sources; the first build downloads TensorFlow, ~150 MB)..." >&2
      if ! (cd "$BGAN_ROOT" && mvn -q -B -DskipTests package >&2); then
        echo "error: the build failed (see the Maven output above)" >&2
        exit 3
      fi
      touch "$stamp"
    fi
    exec 9>&-
  fi
}

launch() {
  local main="$1"; shift
  bgan_build_if_needed
  export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-1}"
  exec java ${BGAN_JAVA_OPTS:--Xmx4g} -cp "$BGAN_ROOT/target/classes:$BGAN_ROOT/target/lib/*" "$main" "$@"
}
