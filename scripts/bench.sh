#!/usr/bin/env bash
# Performance runs behind docs/PERFORMANCE.md.
#
#   compare      ingest side by side with the C floor and the Python seed exporter
#                (compare.sh from the shared bench kit, inside a private network namespace),
#                1000 sensors, default rates 1k..200k packets/s, 4 s each
#   compare-low  the same at 1k, 3k and 10k packets/s for 20 s each: CPU time is read in
#                10 ms ticks, so short runs at low rates cannot resolve a ratio
#   compare-50k  50000 sensors: 100k series in the exposition (a value and a last-seen
#                series per sensor), for scrape time and memory
#   compare-100k 100000 sensors: 200k series in the exposition
#                (both then time the kit's client fetching a body of the same size from a
#                server that only sends it: scripts/scrape-floor.py, the scrape floor)
#   scrape-load  scrapes back to back while 100000 sensors send 200k packets/s for 5 s
#                (scripts/scrape-under-load.sh): packets lost while scrapes render
#   criterion    cargo bench: decode/ingest (benches/decode.rs) and render (benches/encode.rs)
#   all          every one of the above (the default), about 16 minutes on 2 cores
#
# usage: scripts/bench.sh [all|compare|compare-low|compare-50k|compare-100k|scrape-load|criterion]...
# Results go to target/bench/<UTC time>/ (one log per run plus machine.txt); CARGO_TARGET_DIR
# is honoured.
# compare.sh needs root (unshare -n), cc, curl and python3; set BENCH_KIT to the directory
# holding compare.sh if it is not ../shared/bench from the repository root.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
kit="${BENCH_KIT:-$root/../shared/bench}"
out="${CARGO_TARGET_DIR:-$root/target}/bench/$(date -u +%Y%m%dT%H%M%SZ)"
http=127.0.0.1:45998
port=45999
group=239.0.0.1
[[ $# -eq 0 ]] && set -- all
runs=()
for what in "$@"; do
    case $what in
        all) runs+=(compare compare-low compare-50k compare-100k scrape-load criterion) ;;
        compare | compare-low | compare-50k | compare-100k | scrape-load | criterion) runs+=("$what") ;;
        *) echo "unknown run: $what (want all, compare, compare-low, compare-50k, compare-100k, scrape-load or criterion)" >&2; exit 2 ;;
    esac
done

mkdir -p "$out"
{
    echo "date: $(date -u +%FT%TZ)"
    echo "revision: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet 2>/dev/null || echo ' (dirty)')"
    echo "nproc: $(nproc)"
    echo "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
    echo "kernel: $(uname -r)"
    echo "rmem_max: $(cat /proc/sys/net/core/rmem_max) rmem_default: $(cat /proc/sys/net/core/rmem_default)"
} >"$out/machine.txt"
cat "$out/machine.txt"

gateway="${CARGO_TARGET_DIR:-$root/target}/release/promcast"
built=
build() {
    [[ -n $built ]] && return
    cargo build --release -p promcast-gateway --manifest-path "$root/Cargo.toml"
    built=1
}

# compare NAME [compare.sh options] -- [extra gateway flags]
compare() {
    local name=$1; shift
    local opts=() extra=()
    while [[ $# -gt 0 && $1 != -- ]]; do opts+=("$1"); shift; done
    [[ ${1:-} == -- ]] && shift
    extra=("$@")
    build
    echo "== $name (load average: $(cut -d' ' -f1-3 /proc/loadavg))" | tee "$out/$name.txt"
    "$kit/compare.sh" "${opts[@]}" --port "$port" --url "http://$http/metrics" -- \
        "$gateway" --web.listen-address "$http" --udp.port "$port" --udp.group "$group" \
        "${extra[@]}" 2>&1 | tee -a "$out/$name.txt"
}

# floor NAME: the kit's client against a server that only sends a body as big as the
# gateway's last scrape body in run NAME (in a private namespace too, like the run).
floor() {
    local name=$1 bytes
    bytes=$(sed -nE 's/^scrape: .* body ([0-9]+) bytes.*/\1/p' "$out/$name.txt" | tail -n1)
    [[ -n $bytes ]] || { echo "no scrape body size in $name" >&2; return 1; }
    unshare -n sh -c 'ip link set lo up && exec python3 "$0" "$1"' "$root/scripts/scrape-floor.py" "$bytes" |
        tee -a "$out/$name.txt"
}

for what in "${runs[@]}"; do
    case $what in
        compare) compare compare-1k --sensors 1000 ;;
        compare-low) compare compare-low --sensors 1000 --rates 1000,3000,10000 --secs 20 ;;
        # Every bench packet comes from one address and names no device, so the per-device
        # cap (1000 by default) has to make room for all of them.
        compare-50k)
            compare compare-50k --sensors 50000 -- --series.max-per-device 50000
            floor compare-50k
            ;;
        compare-100k)
            compare compare-100k --sensors 100000 -- --series.max-per-device 100000
            floor compare-100k
            ;;
        scrape-load)
            build
            cc -O2 -o "$out/udpblast" "$kit/udpblast.c"
            "$root/scripts/scrape-under-load.sh" "$gateway" "$out/udpblast" 100000 200000 5 |
                tee "$out/scrape-load.txt"
            ;;
        criterion)
            (cd "$root" && cargo bench -p promcast-gateway --bench decode --bench encode) 2>&1 |
                tee "$out/criterion.txt"
            ;;
    esac
done
echo "results in $out"
