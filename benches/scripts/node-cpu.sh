#!/usr/bin/env bash
# The CPU the `pocnet node` processes spend serving one run, summed from
# /proc (Linux): `benches/scripts/node-cpu.sh target/release/pocnet
# scenarios/botnet-surge.toml`. Run it with two builds to compare them.
# $1: the pocnet binary, $2: a scenario; one node per country, on loopback.
set -u
B=$1; S=$2
codes=$(grep -o '^\[countries\.[A-Z][A-Z]\]' $S | sed 's/\[countries\.//; s/\]//')
pids=()
for c in $codes; do $B node --listen 127.0.0.1:0 > /tmp/node-$c.out 2>/dev/null & pids+=($!); done
sleep 1
list=$(for c in $codes; do echo -n "$c=http://$(head -1 /tmp/node-$c.out | awk '{print $NF}'),"; done)
start=$(date +%s.%N)
$B run $S --nodes "${list%,}" > /tmp/nodebench.out 2>&1 || echo "run failed: $(tail -2 /tmp/nodebench.out)"
end=$(date +%s.%N)
tot=0
for p in "${pids[@]}"; do t=$(awk '{print $14+$15}' /proc/$p/stat); tot=$((tot+t)); kill $p; done
echo "$(basename $B) $(basename $S): nodes' CPU $tot ticks (1/100 s), run wall $(echo "$end-$start" | bc) s"
