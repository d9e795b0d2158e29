#!/usr/bin/env bash
# Installs the Debian packages ckptsim needs to build and test, only those that are missing.
# Works as root or through sudo; does nothing (and needs neither) when everything is present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost-serialization-dev
  libgtest-dev libgmock-dev
  libbenchmark-dev
  librapidcheck-dev
  libcli11-dev
  libyaml-cpp-dev
  nlohmann-json3-dev
  libxml2-utils
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-deps: missing packages (${missing[*]}) and neither root nor sudo is available" >&2
  exit 2
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
