#!/bin/sh
# Benchmark for LariatFigures: builds the target in release and links bench.swift
# against its objects (no extra package target needed). Usage: bench/figures/run.sh
set -e
cd "$(dirname "$0")/../.."
swift build -c release --target LariatFigures >/dev/null
B=.build/release
T=$(mktemp -d)
cp $B/LariatFigures.build/*.swift.o "$T/"
cp -r $B/Modules/LariatFigures.swiftmodule "$T/"
swiftc -O -I "$T" -I Sources/CPNG -I Sources/CFreeType -I /usr/include/freetype2 -I /usr/include/libpng16 \
    bench/figures/bench.swift "$T"/*.swift.o -lpng16 -lfreetype -o "$T/bench" 2>&1 | grep -v '^warning' || true
"$T/bench"
rm -rf "$T"
