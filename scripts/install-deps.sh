#!/usr/bin/env bash
# Installs the Debian packages ckptsim needs to build and test, only those that are missing.
# Works as root or through sudo; does nothing (and needs neither) when everything is present.
# Optional packages are tried too: Chromium (the report rendering test) and Slurm with munge (the
# cluster sweep test, scripts/slurm-sweep.sh); where they cannot be installed the build goes on
# and those tests skip with a message.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang
  libboost-serialization-dev
  libgtest-dev libgmock-dev
  libbenchmark-dev
  libtcmalloc-minimal4
  librapidcheck-dev
  libcli11-dev
  libyaml-cpp-dev
  nlohmann-json3-dev
  libxml2-utils
  python3
  python3-jsonschema
  groff-base zsh
)
optional_packages=(chromium munge slurmctld slurmd slurm-client)

missing_of() {
  local package
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      echo "$package"
    fi
  done
}
mapfile -t missing < <(missing_of "${packages[@]}")
mapfile -t missing_optional < <(missing_of "${optional_packages[@]}")

if [[ ${#missing[@]} -eq 0 && ${#missing_optional[@]} -eq 0 ]]; then
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
elif [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: optional ${missing_optional[*]} not installed (neither root nor sudo)" >&2
  exit 0
else
  echo "install-deps: missing packages (${missing[*]}) and neither root nor sudo is available" >&2
  exit 2
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "install-deps: installing ${missing[*]}"
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [[ ${#missing_optional[@]} -gt 0 ]]; then
  echo "install-deps: installing optional ${missing_optional[*]}"
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing_optional[@]}" \
    >/dev/null 2>&1 ||
    echo "install-deps: could not install ${missing_optional[*]}; the tests that need it skip" >&2
fi
