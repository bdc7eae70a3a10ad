#!/usr/bin/env python3
"""PyTorch's training step for an autoencoder of any `Architecture`
(encoder widths and kernel size), written as `shared/bench/torch_reference.py`
writes the default one, to set beside Lariat's TrainingBenchmark run with
the same architecture (`LARIAT_BENCH_CHANNELS`, `LARIAT_BENCH_KERNEL`):

    LARIAT_BENCH_CHANNELS=8,16,16 LARIAT_BENCH_KERNEL=5 \
        bash bench/training/run.sh --torch /path/to/torch-venv/bin/python

or alone: `python bench/training/torch_architecture.py --channels 8,16,16 --kernel 5`.
With `--channels 16,32,32 --kernel 3` it is the reference's network.

Network (B=256 frames of 1x64x64, d=16, so a one-channel 4x4 latent map
after len(channels) + 1 stride-2 convolutions), every convolution k x k
with padding k // 2:
  encoder  Conv(1,c0,s2)+ReLU -> ... -> Conv(c_last,1,s2)     => 1x4x4, d=16
  skip     Conv(1,8,s1)+ReLU on the input frame
  decoder  ConvT(1,c_last)+ReLU -> ... -> ConvT(c0,c0)+ReLU (s2, op1)
           -> concat 8 skip channels -> Conv(c0+8,1)
  VAR(1), losses, Adam, threads, warm-up and timed steps: as the reference
  (a ridge solve stands in for the lasso).
A separate venv with torch from PyPI, never CI's.
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

B, H, W, D = 256, 64, 64, 16
RIDGE_LAMBDA = 1e-2
WARMUP, STEPS = 5, 30
THREADS = 2
SKIP = 8


class ConvAE(nn.Module):
    def __init__(self, channels, k):
        super().__init__()
        p = k // 2
        widths = [1] + channels + [1]
        enc = []
        for i in range(len(widths) - 1):
            enc.append(nn.Conv2d(widths[i], widths[i + 1], k, stride=2, padding=p))
            if i < len(widths) - 2:
                enc.append(nn.ReLU())
        self.enc = nn.Sequential(*enc)
        self.skip = nn.Sequential(nn.Conv2d(1, SKIP, k, stride=1, padding=p), nn.ReLU())
        dec_widths = [1] + channels[::-1] + [channels[0]]
        dec = []
        for i in range(len(dec_widths) - 1):
            dec += [nn.ConvTranspose2d(dec_widths[i], dec_widths[i + 1], k, stride=2, padding=p, output_padding=1),
                    nn.ReLU()]
        self.dec = nn.Sequential(*dec)
        self.out = nn.Conv2d(channels[0] + SKIP, 1, k, padding=p)
        self.map = H >> (len(channels) + 1)

    def encode(self, x):
        return self.enc(x).flatten(1)

    def decode(self, z, s):
        h = self.dec(z.view(-1, 1, self.map, self.map))
        return self.out(torch.cat([h, s], dim=1))


def var_loss(model, x):
    z = model.encode(x)
    s = model.skip(x)
    l_recon = F.mse_loss(model.decode(z, s), x)
    z0, z1 = z[:-1], z[1:]
    gram = z0.T @ z0 + RIDGE_LAMBDA * torch.eye(z.shape[1], dtype=z.dtype)
    z_hat = z0 @ torch.linalg.solve(gram, z0.T @ z1)
    l_pred = F.mse_loss(model.decode(z_hat, s[:-1]), x[1:])
    return l_recon + l_pred + F.mse_loss(z_hat, z1)


def ae_loss(model, x):
    return F.mse_loss(model.decode(model.encode(x), model.skip(x)), x)


def time_steps(loss_fn, x, channels, k):
    torch.manual_seed(0)
    model = ConvAE(channels, k)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model, x)
        loss.backward()
        opt.step()
        return loss.detach()

    for _ in range(WARMUP):
        step()
    times = []
    for _ in range(STEPS):
        t0 = time.perf_counter()
        loss = step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3, min(times) * 1e3, sum(p.numel() for p in model.parameters()), loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--channels", default="16,32,32")
    ap.add_argument("--kernel", type=int, default=3)
    a = ap.parse_args()
    channels = [int(c) for c in a.channels.split(",")]
    assert H >> (len(channels) + 1) == 4, "d = 16 needs a 4x4 map: 3 encoder widths at 64x64"
    torch.set_num_threads(THREADS)
    torch.manual_seed(1234)
    x = torch.rand(B, 1, H, W, dtype=torch.float32)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"channels {channels}, kernel {a.kernel}, input {tuple(x.shape)}")
    med, mn, nparams, loss = time_steps(var_loss, x, channels, a.kernel)
    print(f"params: {nparams}")
    print(f"full step (AE + ridge VAR(1), 3 losses): median {med:.2f} ms  min {mn:.2f} ms  (final loss {loss:.5f})")
    med, mn, _, loss = time_steps(ae_loss, x, channels, a.kernel)
    print(f"AE-only step (recon loss):                median {med:.2f} ms  min {mn:.2f} ms  (final loss {loss:.5f})")


if __name__ == "__main__":
    main()
