# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Shared by scripts/run, scripts/test and scripts/bench: install what is missing, build.
# Sourced, not executed.

MQAUTH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MQAUTH_BUILD_DIR=${MQAUTH_BUILD_DIR:-$MQAUTH_ROOT/build}

# Debian 12 packages the build, the broker and the tests need. scripts/package's CPack needs
# dpkg-shlibdeps (dpkg-dev) for the package's dependencies and `file` to find its binaries.
MQAUTH_PACKAGES=(
  build-essential cmake pkg-config ca-certificates openssl python3
  mosquitto mosquitto-clients mosquitto-dev libmosquitto-dev
  libssl-dev libyaml-cpp-dev libgtest-dev libcurl4-openssl-dev nlohmann-json3-dev
  libsqlite3-dev libpq-dev libcivetweb-dev curl
  dpkg-dev file
)
# Node.js and npm run the integration tests' SCRAM client (tests/integration/scram_client.js).
# A node already on PATH is kept, whatever installed it: Debian's npm can't be added beside a
# node from elsewhere, and such a node brings its own npm.
command -v node >/dev/null 2>&1 || MQAUTH_PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || MQAUTH_PACKAGES+=(npm)

log() { printf '==> %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Idempotent: asks apt only for packages that are not installed yet.
install_packages() {
  local missing=()
  local package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
      missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

install_dependencies() { install_packages "${MQAUTH_PACKAGES[@]}"; }

# What only the tests need besides: a PostgreSQL server, of which the device-registry tests start
# throw-away clusters of their own (tests/integration/postgres_cluster.py). Debian's package also
# creates and starts a cluster of its own, which the tests leave alone. JSON Schema validation and
# a YAML parser for tests/integration/test_config_schema.py. Prometheus (the server and promtool)
# for tests/integration/test_metrics.py.
# groff-base and man-db render mqauth(1) in tests/package (the package's test).
MQAUTH_TEST_PACKAGES=(postgresql python3-jsonschema python3-yaml prometheus groff-base man-db)
install_test_dependencies() { install_packages "${MQAUTH_PACKAGES[@]}" "${MQAUTH_TEST_PACKAGES[@]}"; }

# The integration tests' npm packages (MQTT.js for scram_client.js), exactly as
# tests/integration/package-lock.json pins them. Idempotent: `npm ci` runs only when
# node_modules was not installed from this very lock file (a checksum stamp records that).
install_test_clients() {
  local dir="$MQAUTH_ROOT/tests/integration"
  local stamp="$dir/node_modules/.mqauth-lock.sha256"
  local want
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d "$dir/node_modules/mqtt" ] && return 0
  log "npm ci in tests/integration"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  printf '%s\n' "$want" >"$stamp"
}

# build_tree DIR [cmake -D options...]: configure (again, when options are given: a cache keeps
# what an earlier run set), then build incrementally.
build_tree() {
  local dir=$1
  shift
  if [ ! -f "$dir/CMakeCache.txt" ] || [ $# -gt 0 ]; then
    cmake -S "$MQAUTH_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  fi
  cmake --build "$dir" -j "$(nproc)"
}

build_project() { build_tree "$MQAUTH_BUILD_DIR" "$@"; }

# Only what a broker loads and an operator runs (scripts/run): the plugin and the CLI, not the
# tests, so a newcomer's first broker starts sooner.
build_plugin_and_cli() {
  [ -f "$MQAUTH_BUILD_DIR/CMakeCache.txt" ] ||
    cmake -S "$MQAUTH_ROOT" -B "$MQAUTH_BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$MQAUTH_BUILD_DIR" -j "$(nproc)" --target mqauth_plugin mqauth_cli
}

# make_packages DIR: the Debian packages of the built release tree (CPack, packaging/), written to
# DIR; prints DIR's absolute path. CPack's staging directory is removed afterwards.
make_packages() {
  local output=$1
  mkdir -p "$output"
  output=$(cd "$output" && pwd)
  rm -f "$output"/mqauth_*.deb "$output"/mqauth-dbgsym_*.ddeb
  (cd "$MQAUTH_BUILD_DIR" && cpack -G DEB -B "$output" >"$output/cpack.log" 2>&1) ||
    { log "cpack failed; see $output/cpack.log"; return 1; }
  rm -rf "$output/_CPack_Packages"
  printf '%s\n' "$output"
}

# The sanitizer build (ASan + UBSan) of the plugin and the CLI.
MQAUTH_SANITIZE_DIR=$MQAUTH_ROOT/build-asan
build_sanitized() { build_tree "$MQAUTH_SANITIZE_DIR" -DMQAUTH_SANITIZE=ON "$@"; }

# The integration suites with the sanitized plugin loaded into the real broker and the sanitized
# CLI. Debian's mosquitto is not instrumented: scripts/lib/sanitized-mosquitto preloads the
# runtimes into it, and the harness fails a test on any sanitizer report from the broker or the
# CLI. ASAN_OPTIONS here is the CLI's (its leaks count too); the wrapper sets the broker's.
run_sanitized_integration_tests() {
  (cd "$MQAUTH_SANITIZE_DIR" &&
    MOSQUITTO="$MQAUTH_ROOT/scripts/lib/sanitized-mosquitto" \
      ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
      UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
      ctest -L integration --output-on-failure -j "$(nproc)")
}

# Mosquitto 2.1, built from its source tarball (Debian 12 packages only 2.0.11) so that the
# integration suites also run against it. MQAUTH_MOSQUITTO_21_SOURCE names the tarball; it is
# unpacked, built and installed once into build-mosquitto-2.1/ and reused by later runs.
MQAUTH_MOSQUITTO_21_SOURCE=${MQAUTH_MOSQUITTO_21_SOURCE:-$MQAUTH_ROOT/../shared/vendor/mosquitto-2.1.2.tar.gz}
MQAUTH_MOSQUITTO_21_DIR=$MQAUTH_ROOT/build-mosquitto-2.1
MQAUTH_MOSQUITTO_21=$MQAUTH_MOSQUITTO_21_DIR/install/sbin/mosquitto

mosquitto_21_available() { [ -f "$MQAUTH_MOSQUITTO_21_SOURCE" ]; }

# Prints nothing and returns 0 when the broker is already built from this very tarball.
build_mosquitto_21() {
  local dir=$MQAUTH_MOSQUITTO_21_DIR
  local stamp="$dir/install/.source.sha256"
  local want
  want=$(sha256sum "$MQAUTH_MOSQUITTO_21_SOURCE" | cut -d' ' -f1)
  [ -x "$MQAUTH_MOSQUITTO_21" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return 0
  install_packages libcjson-dev
  log "building Mosquitto 2.1 from $MQAUTH_MOSQUITTO_21_SOURCE (once; cached in $dir)"
  rm -rf "$dir"
  mkdir -p "$dir/source"
  tar -xzf "$MQAUTH_MOSQUITTO_21_SOURCE" -C "$dir/source" --strip-components=1
  cmake -S "$dir/source" -B "$dir/build" -DWITH_TESTS=OFF -DWITH_DOCS=OFF \
    -DWITH_CTRL_SHELL=OFF -DWITH_LTO=OFF -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$dir/install" >"$dir/build.log" 2>&1 &&
    cmake --build "$dir/build" -j "$(nproc)" >>"$dir/build.log" 2>&1 &&
    cmake --install "$dir/build" >>"$dir/build.log" 2>&1 ||
    { log "Mosquitto 2.1 build failed; see $dir/build.log"; return 1; }
  rm -rf "$dir/source" "$dir/build"
  printf '%s\n' "$want" >"$stamp"
}
