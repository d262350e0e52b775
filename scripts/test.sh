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

# Firmware: every board CI builds. Clippy -D warnings per board and the UF2 converter's
# tests, all --locked (the firmware lock files also pin the path dependencies crates/core and
# crates/fleet); then each board in release by its workspace's size script: ESP32-C3 and
# ESP32-C6 (firmware/esp32/size.sh: the devices of firmware/esp32/ci/fleet.toml, placeholder
# Wi-Fi), Pico W and Pico 2 W (firmware/pico/size.sh: the example fleet's, with the
# placeholder credentials of firmware/pico/README.md); and `cargo xtask firmware` for the
# Pico W, whose UF2 must equal size.sh's. Prints one size table, then fails on a failed
# build or clippy, a stale lock file, or an image over its budget (ESP32-C3 application
# image 600 KiB; Pico UF2 payload 400 KiB, the Wi-Fi firmware included). The rustup targets
# come from step_deps (install-deps.sh).
step_firmware() {
  local start=$SECONDS status=0 esp pico
  local esp_fleet=$PWD/firmware/esp32/ci/fleet.toml pico_fleet=$PWD/deploy/fleet.example.toml
  local -a unset=(-u PROMCAST_FLEET -u PROMCAST_DEVICE -u PROMCAST_SECRETS -u PROMCAST_WIFI_SSID
    -u PROMCAST_WIFI_PSK -u PROMCAST_DEVICE_PICO_W -u PROMCAST_DEVICE_PICO2_W)
  local -a esp_env=(env "${unset[@]}" PROMCAST_FLEET="$esp_fleet")
  local -a pico_env=(env "${unset[@]}" PROMCAST_FLEET="$pico_fleet"
    PROMCAST_WIFI_SSID=promcast-ci PROMCAST_WIFI_PSK=ci-placeholder-not-a-secret)
  echo "-- firmware/tools/uf2: tests"
  cargo test --quiet --locked --manifest-path firmware/tools/uf2/Cargo.toml || status=1
  echo "-- clippy -D warnings: ESP32-C3, ESP32-C6, Pico W, Pico 2 W"
  (cd firmware/esp32 && "${esp_env[@]}" cargo --locked clippy-c3 &&
    "${esp_env[@]}" cargo --locked clippy-c6) || status=1
  (cd firmware/pico && "${pico_env[@]}" cargo --locked clippy-pico-w &&
    "${pico_env[@]}" cargo --locked clippy-pico2-w) || status=1
  # A stale lock file stops here, before the Pico size script (which builds without --locked)
  # could update it.
  ((status == 0)) || return "$status"
  esp=$(mktemp)
  pico=$(mktemp)
  echo "-- firmware/esp32/size.sh: ESP32-C3, ESP32-C6"
  "${esp_env[@]}" bash firmware/esp32/size.sh >"$esp" || status=1
  echo "-- firmware/pico/size.sh: Pico W, Pico 2 W"
  "${pico_env[@]}" sh firmware/pico/size.sh >"$pico" || status=1
  echo "-- cargo xtask firmware --board pico-w --device pico-loft"
  if "${pico_env[@]}" cargo xtask firmware --board pico-w --device pico-loft \
    --fleet "$pico_fleet" --out target/firmware-ci >/dev/null; then
    cmp target/firmware-ci/pico-loft.pico-w.uf2 firmware/pico/target/uf2/pico-loft.pico-w.uf2 ||
      status=1
  else
    status=1
  fi
  echo
  firmware_table "$esp" "$pico" "$esp_fleet" || status=1
  rm -f "$esp" "$pico"
  echo "firmware: $((SECONDS - start)) s"
  return "$status"
}

# The size table from the size scripts' rows; fails when a board is missing or over budget.
firmware_table() {
  local esp=$1 pico=$2 esp_fleet=$3 status=0 chip bytes ram name board
  echo "| board | device | image | image size | static RAM (.data + .bss) | budget | verdict |"
  echo "| --- | --- | --- | ---: | ---: | ---: | --- |"
  for chip in esp32c3 esp32c6; do
    # size.sh: | esp32c3 | <image bytes> | <static RAM bytes> |
    read -r bytes ram < <(awk -F'|' -v c="$chip" \
      '{ gsub(/ /, "") } $2 == c { print $3, $4 }' "$esp") || true
    name=$(awk -v p="$chip" '
      /^\[devices\./ { if (plat == p) print name; name = plat = "" }
      /^name *=/ { name = $0; sub(/^[^"]*"/, "", name); sub(/".*/, "", name) }
      /^platform *=/ { plat = $0; sub(/^[^"]*"/, "", plat); sub(/".*/, "", plat) }
      END { if (plat == p) print name }' "$esp_fleet")
    board=${chip/esp32c/ESP32-C}
    if [[ $chip == esp32c3 ]]; then
      firmware_row "$board" "$name" "application image" "$bytes" "$ram" $((600 * 1024)) || status=1
    else
      firmware_row "$board" "$name" "application image" "$bytes" "$ram" "" || status=1
    fi
  done
  for board in pico-w pico2-w; do
    # size.sh: pico-w rp2040 pico-loft: uf2_payload=... flash=... static_ram=...
    read -r name bytes ram < <(awk -v b="$board" '$1 == b {
        sub(/:$/, "", $3); p = r = ""
        for (i = 4; i <= NF; i++) {
          if ($i ~ /^uf2_payload=/) { p = $i; sub(/.*=/, "", p) }
          if ($i ~ /^static_ram=/) { r = $i; sub(/.*=/, "", r) }
        }
        print $3, p, r
      }' "$pico") || true
    [[ $board == pico-w ]] && board="Pico W" || board="Pico 2 W"
    firmware_row "$board" "$name" "UF2 payload" "$bytes" "$ram" $((400 * 1024)) || status=1
  done
  return "$status"
}

# One table row; fails when the image is missing or over its budget (empty: none).
firmware_row() {
  local board=$1 device=$2 kind=$3 bytes=$4 ram=$5 budget=$6 verdict status=0
  if [[ -z $bytes ]]; then
    verdict="not built"
    status=1
  elif [[ -z $budget ]]; then
    verdict="no budget"
  elif ((bytes > budget)); then
    verdict="OVER by $(firmware_bytes $((bytes - budget)))"
    status=1
  else
    verdict="ok"
  fi
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$board" "${device:--}" "$kind" \
    "$(firmware_bytes "$bytes")" "$(firmware_bytes "$ram")" \
    "$( [[ -n $budget ]] && firmware_bytes "$budget" || echo -)" "$verdict"
  return "$status"
}

# 555376 as "555,376 B (542.4 KiB)"; empty as "-".
firmware_bytes() {
  [[ -n $1 ]] || { echo -; return; }
  printf '%s B (%s KiB)' "$(sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<<"$1")" \
    "$(awk -v n="$1" 'BEGIN { printf "%.1f", n / 1024 }')"
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
