#!/usr/bin/env python3
"""clip.py — a camera-like clip for Chromium's fake capture device.

Chromium's fake camera draws a flat, slowly moving pattern that VP8
encodes to about 450 kbit/s at 640x480, where a real camera's picture
takes 1-1.5 Mbit/s: layer choices that depend on that gap never show with
it. This writes a 640x480, 20 frames/s Y4M clip of a textured picture
panning 3 pixels a frame, which Chromium plays in a loop with
--use-file-for-fake-video-capture (the tests' and benchmarks' browsers
take it from NARA_FAKE_VIDEO, tests/e2e/lib/browser.mjs).

    python3 tests/bench/clip.py OUT.y4m [frames]    (default 200: 10 s)
"""
import random
import sys

W, H, FPS, STEP = 640, 480, 20, 3


def main():
    out = sys.argv[1]
    frames = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    rng = random.Random(7)  # the same clip every time
    width = W + STEP * frames
    blocks = [[rng.randrange(40, 216) for _ in range((width + 7) // 8)] for _ in range(H // 8)]
    # 8x8 blocks of random grey with a fine diagonal ripple on top: detail
    # at every scale, as a room behind a patient has.
    rows = [bytes((blocks[y // 8][x // 8] + (x * 7 + y * 13) % 23) & 0xFF for x in range(width))
            for y in range(H)]
    chroma = bytes([128]) * (W // 2 * H // 2)
    with open(out, 'wb') as f:
        f.write(f'YUV4MPEG2 W{W} H{H} F{FPS}:1 Ip A1:1 C420jpeg\n'.encode())
        for n in range(frames):
            f.write(b'FRAME\n')
            off = STEP * n
            for row in rows:
                f.write(row[off:off + W])
            f.write(chroma)
            f.write(chroma)


if __name__ == '__main__':
    main()
