#!/usr/bin/env bash
# Installs what promcast's build and tests need, on a Debian machine, as root.
# Idempotent: installs only what is missing and says what it installs.
#   - Debian packages: prometheus (+ promtool) for the integration tests, iproute2 and
#     util-linux for the per-test network namespaces, curl, python3-venv, systemd
#     (systemd-analyze checks the service units)
#   - Rust targets for the no_std core and the firmware, clippy and rustfmt
#   - Python's prometheus_client
set -euo pipefail

log() { printf 'install-deps: %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

if [[ -z ${CARGO_HOME:-} && -d $HOME/.cargo/bin ]]; then PATH="$HOME/.cargo/bin:$PATH"; fi

# --- Debian packages ------------------------------------------------------------------
# Each package, with the check that tells it is present.
declare -A apt_check=(
  [prometheus]='have prometheus && have promtool'
  [iproute2]='have ip'
  [util-linux]='have unshare'
  [curl]='have curl'
  [python3-venv]='python3 -c "import ensurepip, venv" 2>/dev/null'
  [systemd]='have systemd-analyze'
)
missing=()
for pkg in prometheus iproute2 util-linux curl python3-venv systemd; do
  eval "${apt_check[$pkg]}" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if ((EUID != 0)); then
    log "missing ${missing[*]}, and installing them needs root" >&2
    exit 1
  fi
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Keep package scripts from starting services (the prometheus package would start
  # one): policy-rc.d exiting 101 forbids it. Only a file made here is removed again.
  policy=/usr/sbin/policy-rc.d
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  for pkg in "${missing[@]}"; do
    eval "${apt_check[$pkg]}" || { log "$pkg still missing after apt-get install" >&2; exit 1; }
  done
else
  log "Debian packages present: prometheus iproute2 util-linux curl python3-venv systemd"
fi

# --- Rust -----------------------------------------------------------------------------
targets=(thumbv6m-none-eabi riscv32imc-unknown-none-elf riscv32imac-unknown-none-elf thumbv8m.main-none-eabihf)
installed_targets=$(rustup target list --installed)
missing_targets=()
for target in "${targets[@]}"; do
  grep -qx "$target" <<<"$installed_targets" || missing_targets+=("$target")
done
if ((${#missing_targets[@]})); then
  log "rustup target add ${missing_targets[*]}"
  rustup target add "${missing_targets[@]}"
else
  log "Rust targets present: ${targets[*]}"
fi
missing_components=()
cargo clippy --version >/dev/null 2>&1 || missing_components+=(clippy)
cargo fmt --version >/dev/null 2>&1 || missing_components+=(rustfmt)
if ((${#missing_components[@]})); then
  log "rustup component add ${missing_components[*]}"
  rustup component add "${missing_components[@]}"
else
  log "Rust components present: clippy rustfmt"
fi

# --- Python -----------------------------------------------------------------------------
if python3 -c 'import prometheus_client' 2>/dev/null; then
  log "Python prometheus_client present"
else
  log "pip install prometheus_client"
  python3 -m pip install --quiet prometheus_client ||
    python3 -m pip install --quiet --break-system-packages prometheus_client
fi
