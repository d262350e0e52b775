#!/usr/bin/env bash
# Scrapes back to back while the gateway takes a paced load: does ingest lose packets while
# scrapes render on every processor? Runs in a private network namespace (needs root).
# usage: scripts/scrape-under-load.sh GATEWAY UDPBLAST [SENSORS] [RATE] [SECS]
# Prints the kernel's receive-buffer drops during the load (RcvbufErrors), the scrapes made
# and the gateway's own packet count, which must equal what was sent.
set -euo pipefail
if [[ -z ${PROMCAST_IN_NETNS:-} ]]; then
    PROMCAST_IN_NETNS=1 exec unshare -n "$0" "$@"
fi
ip link set lo up
ip link set lo multicast on
ip route add 224.0.0.0/4 dev lo
gateway=$1 blast=$2 sensors=${3:-100000} rate=${4:-200000} secs=${5:-5}
http=127.0.0.1:45996 port=45995
"$gateway" --web.listen-address "$http" --udp.port "$port" --udp.group 239.0.0.1 \
    --series.max-per-device "$sensors" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://$http/-/ready" >/dev/null && break; sleep 0.2; done
drops() { awk '/^Udp:/ { getline; print $6 }' /proc/net/snmp; }
# Every sensor once, so the load below updates known series only.
fill=$("$blast" 239.0.0.1 "$port" 100000 $(((sensors + 99999) / 100000)) "$sensors" | awk '{print $2}')
sleep 1
d0=$(drops)
(
    end=$((SECONDS + secs + 1)) n=0
    while [[ $SECONDS -lt $end ]]; do curl -sf -o /dev/null "http://$http/metrics"; n=$((n + 1)); done
    echo "scrapes during the load: $n"
) &
scraper=$!
sent=$("$blast" 239.0.0.1 "$port" "$rate" "$secs" "$sensors" | awk '{print $2}')
wait $scraper
sleep 1
echo "sensors $sensors, $rate packets/s for $secs s: sent $sent after $fill to fill"
echo "RcvbufErrors during the load: $(($(drops) - d0))"
curl -sf "http://$http/metrics" | grep -E '^promcast_packets_received_total '
echo "expected: promcast_packets_received_total $((fill + sent))"
