"""Run torch.nn.RNN/LSTM/GRU on given weights and inputs; used by the fixture script and live tests.

Imports torch lazily: only tests that need it (and are skipped without it) call these.
"""

from __future__ import annotations

import numpy as np

CELLS = ("rnn_tanh", "rnn_relu", "lstm", "gru")


def torch_module(cell, input_size, hidden_size, num_layers, dtype):
    import torch

    tdtype = torch.float64 if np.dtype(dtype) == np.float64 else torch.float32
    if cell == "lstm":
        m = torch.nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
    elif cell == "gru":
        m = torch.nn.GRU(input_size, hidden_size, num_layers, batch_first=True)
    else:
        m = torch.nn.RNN(input_size, hidden_size, num_layers, batch_first=True, nonlinearity=cell.split("_")[1])
    return m.to(tdtype)


def run_torch(cell, module, x, state, dout, dstate):
    """Forward and backward through a torch module.

    Returns a dict with ``out``, ``h`` (``c``), ``dx``, ``dh0`` (``dc0``) and ``grad.<name>`` entries.
    """
    import torch

    xt = torch.tensor(x, requires_grad=True)
    if cell == "lstm":
        st = tuple(torch.tensor(s, requires_grad=True) for s in state)
    else:
        st = torch.tensor(state, requires_grad=True)
    module.zero_grad()
    out, fin = module(xt, st)
    if cell == "lstm":
        total = (out * torch.tensor(dout)).sum() + (fin[0] * torch.tensor(dstate[0])).sum() + (
            fin[1] * torch.tensor(dstate[1])
        ).sum()
    else:
        total = (out * torch.tensor(dout)).sum() + (fin * torch.tensor(dstate)).sum()
    total.backward()
    res = {"out": out.detach().numpy(), "dx": xt.grad.numpy()}
    if cell == "lstm":
        res.update(h=fin[0].detach().numpy(), c=fin[1].detach().numpy(), dh0=st[0].grad.numpy(), dc0=st[1].grad.numpy())
    else:
        res.update(h=fin.detach().numpy(), dh0=st.grad.numpy())
    for name, p in module.named_parameters():
        res[f"grad.{name}"] = p.grad.numpy().copy()
    return res


def make_case(cell, B, T, I, H, L, dtype, seed):
    """Random torch module and data; returns (params, x, state, dout, dstate, torch_results)."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    m = torch_module(cell, I, H, L, dtype)
    params = {k: v.detach().numpy().copy() for k, v in m.state_dict().items()}
    x = rng.standard_normal((B, T, I)).astype(dtype)
    if cell == "lstm":
        state = tuple(rng.standard_normal((L, B, H)).astype(dtype) * 0.5 for _ in range(2))
        dstate = tuple(rng.standard_normal((L, B, H)).astype(dtype) for _ in range(2))
    else:
        state = rng.standard_normal((L, B, H)).astype(dtype) * 0.5
        dstate = rng.standard_normal((L, B, H)).astype(dtype)
    dout = rng.standard_normal((B, T, H)).astype(dtype)
    return params, x, state, dout, dstate, run_torch(cell, m, x, state, dout, dstate)
