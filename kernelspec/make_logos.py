#!/usr/bin/env python3
"""Draws the Lariat kernel logos (a rope loop with a tail, anti-aliased)
and writes kernelspec/lariat/logo-32x32.png and logo-64x64.png with only
the standard library (zlib). `--swift` prints the base64 that
Sources/lariat/InstallCommand.swift embeds, so `lariat install` needs no
files beside the binary. Usage: python3 kernelspec/make_logos.py [--swift]
"""
import base64
import math
import os
import struct
import sys
import zlib

ROPE = (176, 112, 48)      # warm hemp brown
SHADOW = (110, 64, 24)


def coverage(x, y, size):
    """Fraction of the pixel at (x, y) that the rope covers, and its shade.
    Drawn in unit coordinates: a ring centred at (0.45, 0.42) and a tail
    hanging below it."""
    hits, dark = 0, 0
    n = 4  # 4x4 supersampling
    for i in range(n):
        for j in range(n):
            u = (x + (i + 0.5) / n) / size
            v = (y + (j + 0.5) / n) / size
            r = math.hypot(u - 0.45, v - 0.42)
            on_ring = abs(r - 0.28) < 0.07
            # The tail: a rope hanging from the ring's bottom with one
            # S-bend, as a polyline of 24 samples.
            d = min(math.hypot(u - (0.45 + 0.10 * math.sin(k / 23 * 2 * math.pi)), v - (0.72 + 0.26 * k / 23))
                    for k in range(24))
            on_tail = d < 0.07
            if on_ring or on_tail:
                hits += 1
                # Twisted-rope stripes: dark bands across the strand.
                if math.sin((u + v) * 38) > 0.55:
                    dark += 1
    return hits / (n * n), (dark / hits if hits else 0.0)


def png(size):
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter: none
        for x in range(size):
            a, shade = coverage(x, y, size)
            rgb = [round(c * (1 - shade) + s * shade) for c, s in zip(ROPE, SHADOW)]
            row += bytes(rgb + [round(255 * a)])
        rows.append(bytes(row))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))


def main():
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lariat")
    images = {size: png(size) for size in (32, 64)}
    for size, data in images.items():
        with open(os.path.join(here, f"logo-{size}x{size}.png"), "wb") as f:
            f.write(data)
    if "--swift" in sys.argv:
        for size, data in images.items():
            print(f'    static let png{size} = "{base64.b64encode(data).decode()}"')


if __name__ == "__main__":
    main()
