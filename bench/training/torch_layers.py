#!/usr/bin/env python3
"""PyTorch's time for each layer of the training benchmark, forward and
backward, at the shapes of Lariat's `LayerProfile` (256 frames of 64x64,
channels-first here), to set beside it in the same session:

    LARIAT_BENCH=1 MALLOC_ARENA_MAX=1 swift test -c release -Xswiftc -enable-testing \
        --skip-build --filter LayerProfile
    /path/to/torch-venv/bin/python bench/training/torch_layers.py

A separate venv with torch from PyPI (never CI's). 2 threads, median of 5
after 1 warm-up, as LayerProfile. The layers that read the data (the first
encoder convolution, the skip convolution) compute no input gradient, as
in Lariat; ReLUs follow the layers LayerProfile rectifies.
"""
import statistics
import time

import torch
import torch.nn as nn

N = 256
torch.set_num_threads(2)
torch.manual_seed(0)


def median_ms(fn, runs=5):
    fn()
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ts)


def profile(name, layer, shape, relu, input_grad):
    x = torch.randn(N, *shape, requires_grad=input_grad)
    f = (lambda: torch.relu(layer(x))) if relu else (lambda: layer(x))
    with torch.no_grad():
        fwd = median_ms(f)
    y = f()
    dy = torch.randn_like(y)

    def bwd():
        layer.zero_grad(set_to_none=False)
        y = f()
        y.backward(dy)
    # the backward alone: the forward (with autograd) timed separately and subtracted
    fwd_graph = median_ms(f)
    both = median_ms(bwd)
    print(f"{name:<34} fwd {fwd:7.1f} ms  bwd {max(0.0, both - fwd_graph):7.1f} ms")


conv = lambda ci, co, s: nn.Conv2d(ci, co, 3, stride=s, padding=1)
convT = lambda ci, co: nn.ConvTranspose2d(ci, co, 3, stride=2, padding=1, output_padding=1)
print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
profile("encoder.conv1 [1, 64, 64]", conv(1, 16, 2), (1, 64, 64), True, False)
profile("encoder.conv2 [16, 32, 32]", conv(16, 32, 2), (16, 32, 32), True, True)
profile("encoder.conv3 [32, 16, 16]", conv(32, 32, 2), (32, 16, 16), True, True)
profile("encoder.conv4 [32, 8, 8]", conv(32, 1, 2), (32, 8, 8), False, True)
profile("decoder.convT1 [1, 4, 4]", convT(1, 32), (1, 4, 4), True, True)
profile("decoder.convT2 [32, 8, 8]", convT(32, 32), (32, 8, 8), True, True)
profile("decoder.convT3 [32, 16, 16]", convT(32, 16), (32, 16, 16), True, True)
profile("decoder.convT4 [16, 32, 32]", convT(16, 16), (16, 32, 32), True, True)
profile("decoder.output [16, 64, 64]", conv(16, 1, 1), (16, 64, 64), False, True)
profile("skip.conv [1, 64, 64]", conv(1, 8, 1), (1, 64, 64), True, False)
