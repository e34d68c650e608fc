# Shared by scripts/run, scripts/test and scripts/bench: install what is missing, build.
# Sourced, not executed.

MQAUTH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MQAUTH_BUILD_DIR=${MQAUTH_BUILD_DIR:-$MQAUTH_ROOT/build}

# Debian 12 packages the build, the broker and the tests need.
MQAUTH_PACKAGES=(
  build-essential cmake pkg-config ca-certificates openssl python3
  mosquitto mosquitto-clients mosquitto-dev libmosquitto-dev
  libssl-dev libyaml-cpp-dev libgtest-dev
)

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

# build_tree DIR [cmake -D options...]: configure once, then build incrementally.
build_tree() {
  local dir=$1
  shift
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S "$MQAUTH_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  fi
  cmake --build "$dir" -j "$(nproc)"
}

build_project() { build_tree "$MQAUTH_BUILD_DIR"; }
