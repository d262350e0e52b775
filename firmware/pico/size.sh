#!/bin/sh
# Build the firmware for both boards, write their UF2 images, and print one size row per
# board for the CI size table:
#
#   pico-w rp2040 pico-loft: uf2_payload=384512 flash=384344 data=196 bss=26176 uninit=1024 static_ram=26372
#
# uf2_payload is what the UF2 writes to flash (whole 256-byte pages, Wi-Fi blob included);
# static_ram is .data + .bss (.uninit, the RTT log buffer, and the stack come on top). The
# script fails when a board's UF2 payload is over the budget (400 KiB).
#
# The device comes from the fleet file as for any build (see README.md): PROMCAST_FLEET,
# PROMCAST_DEVICE_PICO_W / PROMCAST_DEVICE_PICO2_W (default: the fleet's only device of that
# board), and Wi-Fi from secrets.toml or PROMCAST_WIFI_SSID / PROMCAST_WIFI_PSK. CI:
#
#   PROMCAST_FLEET=deploy/fleet.example.toml PROMCAST_WIFI_SSID=promcast-ci \
#   PROMCAST_WIFI_PSK=ci-placeholder-not-a-secret firmware/pico/size.sh
#
# Images: firmware/pico/target/uf2/<device>.<board>.uf2
set -eu

here=$(cd "$(dirname "$0")" && pwd)
budget=$((400 * 1024))
uf2_tool="$here/../tools/uf2"
out="$here/target/uf2"
mkdir -p "$out"

# The host tool first (one build at a time).
cargo build --quiet --release --manifest-path "$uf2_tool/Cargo.toml"
uf2="$uf2_tool/target/release/promcast-uf2"

status=0
for board in pico-w pico2-w; do
    case $board in
    pico-w)
        feature=rp2040 target=thumbv6m-none-eabi family=rp2040
        device=${PROMCAST_DEVICE_PICO_W:-}
        ;;
    pico2-w)
        feature=rp235x target=thumbv8m.main-none-eabihf family=rp2350
        device=${PROMCAST_DEVICE_PICO2_W:-}
        ;;
    esac
    # The build's messages name the build script's output directory, which holds the
    # device the build baked in. Compiler and build script errors still go to stderr.
    (cd "$here" && PROMCAST_DEVICE=$device cargo build --quiet --release \
        --features "$feature" --target "$target" \
        --message-format=json-render-diagnostics >"$out/$board.build.json")
    out_dir=$(sed -n 's/.*"reason":"build-script-executed","package_id":"[^"]*promcast-pico[^"]*".*"out_dir":"\([^"]*\)".*/\1/p' \
        "$out/$board.build.json")
    elf="$here/target/$target/release/promcast-pico"
    name=$(sed -n 's/^pub const NAME: &str = "\(.*\)";$/\1/p' "$out_dir/device.rs")
    "$uf2" convert --family "$family" "$elf" "$out/$name.$board.uf2"
    row=$("$uf2" size --family "$family" --label "$board $feature $name" "$elf")
    echo "$row"
    payload=$(echo "$row" | sed -n 's/.* uf2_payload=\([0-9]*\) .*/\1/p')
    if [ "$payload" -gt "$budget" ]; then
        echo "$board: UF2 payload $payload bytes is over the budget of $budget" >&2
        status=1
    fi
done
exit $status
