#!/usr/bin/env bash
# The one command that runs every check and test of promcast (CI runs it through .ci/run).
#
#   scripts/test.sh            all steps, in the order of STEPS below
#   scripts/test.sh fmt clippy only the named steps
#
# Needs root: tests that use multicast or a real Prometheus isolate themselves in private
# network namespaces (crates/testkit/src/netns.rs), which `unshare --net` creates.
# To add a step: write a step_NAME function and add NAME to STEPS. `cargo test` stays last
# so that its summary lines close the output.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z ${CARGO_HOME:-} && -d $HOME/.cargo/bin ]]; then PATH="$HOME/.cargo/bin:$PATH"; fi
if [[ ${CI:-} == true ]]; then
  # Fresh clone, one build: incremental compilation only costs time and disk.
  export CARGO_INCREMENTAL=0
fi
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

STEPS=(deps fmt clippy embedded firmware promtool_rules test)

# Targets the no_std core must build for (the firmware boards' CPUs).
EMBEDDED_TARGETS=(thumbv6m-none-eabi riscv32imc-unknown-none-elf)

step_deps() {
  bash scripts/install-deps.sh
}

step_fmt() {
  local -a color=()
  [[ -t 1 ]] || color=(-- --color=never)
  cargo fmt --all --check "${color[@]}"
}

step_clippy() {
  cargo clippy --workspace --all-targets --locked -- -D warnings
}

step_embedded() {
  local target
  for target in "${EMBEDDED_TARGETS[@]}"; do
    echo "-- promcast-core for $target"
    cargo build -p promcast-core --locked --target "$target"
  done
}

# Firmware: each board is its own workspace under firmware/ (its .cargo/config.toml picks
# the target). Hook: builds every firmware/*/Cargo.toml found.
step_firmware() {
  local manifest found=0
  for manifest in firmware/*/Cargo.toml; do
    [[ -e $manifest ]] || continue
    found=1
    echo "-- $(dirname "$manifest")"
    (cd "$(dirname "$manifest")" && cargo build --release --locked)
  done
  ((found)) || echo "no firmware workspaces yet"
}

# Prometheus: `promtool check rules` on every rule file and `promtool test rules` on every
# rule test file under deploy/, then `promtool check config` on the example
# deploy/prometheus/prometheus.yml. Hook: rule files are alerts.yml and *.rules.yml, their
# tests alerts.test.yml and *.rules.test.yml.
step_promtool_rules() {
  local -a rules tests
  mapfile -t rules < <(find deploy \( -name alerts.yml -o -name '*.rules.yml' \) 2>/dev/null | sort)
  mapfile -t tests < <(find deploy \( -name alerts.test.yml -o -name '*.rules.test.yml' \) 2>/dev/null | sort)
  if ((${#rules[@]})); then promtool check rules "${rules[@]}"; else echo "no rule files yet"; fi
  if ((${#tests[@]})); then promtool test rules "${tests[@]}"; else echo "no rule tests yet"; fi
  # prometheus.yml loads alerts.yml as promcast-alerts.yml from its own directory, as it is
  # installed in /etc/prometheus: check a copy laid out that way.
  local dir
  dir=$(mktemp -d)
  cp deploy/prometheus/prometheus.yml "$dir/prometheus.yml"
  cp deploy/prometheus/alerts.yml "$dir/promcast-alerts.yml"
  promtool check config "$dir/prometheus.yml" || { rm -rf "$dir"; return 1; }
  rm -rf "$dir"
}

step_test() {
  local log status
  log=$(mktemp)
  set +e
  cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  set -e
  # Totals over all test binaries and doc tests, as one plain closing line.
  awk '/^test result: /{
         for (i = 1; i <= NF; i++) {
           if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i
           if ($(i+1) ~ /^ignored/) s += $i
         }
       } END { printf "cargo-test: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
  rm -f "$log"
  return "$status"
}

current_step=""
report_failure() {
  local status=$?
  if ((status)) && [[ -n $current_step ]]; then
    printf '\n=== %s FAILED (exit %d) after %ds in all ===\n' "$current_step" "$status" "$SECONDS"
  fi
}
trap report_failure EXIT

main() {
  local steps=("$@") name
  ((${#steps[@]})) || steps=("${STEPS[@]}")
  for name in "${steps[@]}"; do
    declare -F "step_$name" >/dev/null || { echo "unknown step: $name (steps: ${STEPS[*]})" >&2; exit 2; }
  done
  for name in "${steps[@]}"; do
    current_step=$name
    printf '\n=== %s (at %ds) ===\n' "$name" "$SECONDS"
    "step_$name" # set -e ends the script here when a step fails
  done
  current_step=""
}

main "$@"
