#!/usr/bin/env bash
# Build the firmware for each RISC-V chip and print one size row per chip, for the CI size
# table (Markdown):
#
#   | chip | image bytes | static RAM bytes (.data + .bss) |
#
# image bytes: the flash image as `espflash save-image` writes it (what is flashed at the app
#   partition), or, without espflash, the loadable ELF segments plus the image format's
#   headers (up to a few KiB under espflash's figure, which also pads segments to the
#   flash cache's page alignment).
# static RAM: .data + .bss (initialised and zeroed statics: task pools, socket and HTTP
#   buffers, the 36 KiB heap arena); the stack and the heap in reclaimed bootloader RAM are
#   not in it.
#
# Each chip's device is the fleet's only device of that chip (or PROMCAST_DEVICE, with one
# chip named), from ci/fleet.toml unless PROMCAST_FLEET names another fleet file; Wi-Fi
# credentials are placeholders unless given (see README.md). Fails when the ESP32-C3 image
# is over its budget.
#
#   firmware/esp32/size.sh            both chips
#   firmware/esp32/size.sh esp32c6    one
set -euo pipefail
cd "$(dirname "$0")"

# Image budget of the ESP32-C3 build.
C3_BUDGET=$((600 * 1024))

# chip target
CHIPS=(
  "esp32c3 riscv32imc-unknown-none-elf"
  "esp32c6 riscv32imac-unknown-none-elf"
)

# The flash image size of an ELF.
image_bytes() {
  local chip=$1 elf=$2 bin
  if command -v espflash >/dev/null; then
    bin=$(mktemp)
    log=$(mktemp)
    if ! espflash save-image --chip "$chip" "$elf" "$bin" >"$log" 2>&1; then
      cat "$log" >&2
      rm -f "$bin" "$log"
      return 1
    fi
    stat -c %s "$bin"
    rm -f "$bin" "$log"
  else
    # ESP image: 24-byte header, per segment an 8-byte header and its bytes padded to 4,
    # checksum padding to 16, SHA-256 digest (32).
    local type offset vaddr paddr filesz rest total=$((24 + 16 + 32))
    while read -r type offset vaddr paddr filesz rest; do
      [[ $type == LOAD ]] || continue
      filesz=$((16#${filesz#0x}))
      ((filesz > 0)) && total=$((total + 8 + (filesz + 3) / 4 * 4))
    done < <(readelf -lW "$elf")
    echo "$total"
  fi
}

# .data + .bss bytes (every section named .data* or .bss*).
static_ram_bytes() {
  size -A "$1" | awk '$1 ~ /^\.(data|bss)/ { total += $2 } END { print total }'
}

main() {
  local wanted=("$@") row chip target elf image ram over=0
  export PROMCAST_FLEET=${PROMCAST_FLEET:-$PWD/ci/fleet.toml}
  echo "| chip | image bytes | static RAM bytes (.data + .bss) |"
  echo "| --- | ---: | ---: |"
  for row in "${CHIPS[@]}"; do
    read -r chip target <<<"$row"
    if ((${#wanted[@]})) && [[ " ${wanted[*]} " != *" $chip "* ]]; then continue; fi
    cargo build --release --locked --quiet \
      --no-default-features --features "$chip" --target "$target" >&2
    elf=target/$target/release/promcast-esp32
    image=$(image_bytes "$chip" "$elf")
    ram=$(static_ram_bytes "$elf")
    echo "| $chip | $image | $ram |"
    if [[ $chip == esp32c3 ]] && ((image > C3_BUDGET)); then
      echo "esp32c3 image is $image bytes, over its budget of $C3_BUDGET" >&2
      over=1
    fi
  done
  return "$over"
}

main "$@"
