"""Plain float64 NumPy reference for every cell: the specification the kernels must meet.

Written to be read, not to be fast. Shapes: B batch, T time, I input, H hidden; inputs are
batch-first ``(B, T, I)``; weights use PyTorch's names, shapes and gate order:

- RNN:  G = H,  ``h = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``
- LSTM: G = 4H, gates i, f, g, o
- GRU:  G = 3H, gates r, z, n, with ``b_hn`` inside ``r * (W_hn h + b_hn)``

Each ``<cell>_forward(x, params, h0[, c0])`` returns ``(out, final_state, cache)`` with out
``(B, T, H)``; each ``<cell>_backward(dout, dstate, cache)`` returns ``(dx, grads, dstate0)``
where ``grads`` has the keys ``weight_ih, weight_hh, bias_ih, bias_hh``.
Multi-layer helpers stack single layers the way ``torch.nn.LSTM(num_layers=L)`` does.
"""

from __future__ import annotations

import math

import numpy as np


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


# ----------------------------------------------------------------------------- RNN
def rnn_forward(x, p, h0, nonlinearity="tanh"):
    B, T, _ = x.shape
    h = h0.copy()
    hs, pre = [h0], []
    for t in range(T):
        a = x[:, t] @ p["weight_ih"].T + p["bias_ih"] + h @ p["weight_hh"].T + p["bias_hh"]
        h = np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0.0)
        hs.append(h)
        pre.append(a)
    out = np.stack(hs[1:], axis=1)
    return out, h, (x, p, hs, pre, nonlinearity)


def rnn_backward(dout, dhT, cache):
    x, p, hs, pre, nonlinearity = cache
    B, T, _ = x.shape
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    dx = np.zeros_like(x)
    dh = dhT.copy()
    for t in reversed(range(T)):
        dh = dh + dout[:, t]
        if nonlinearity == "tanh":
            da = dh * (1.0 - hs[t + 1] ** 2)
        else:
            da = dh * (pre[t] > 0)
        grads["weight_ih"] += da.T @ x[:, t]
        grads["weight_hh"] += da.T @ hs[t]
        grads["bias_ih"] += da.sum(0)
        grads["bias_hh"] += da.sum(0)
        dx[:, t] = da @ p["weight_ih"]
        dh = da @ p["weight_hh"]
    return dx, grads, dh


# ---------------------------------------------------------------------------- LSTM
def lstm_forward(x, p, h0, c0):
    B, T, _ = x.shape
    H = h0.shape[1]
    h, c = h0.copy(), c0.copy()
    steps = []
    outs = []
    for t in range(T):
        a = x[:, t] @ p["weight_ih"].T + p["bias_ih"] + h @ p["weight_hh"].T + p["bias_hh"]
        i = sigmoid(a[:, 0 * H:1 * H])
        f = sigmoid(a[:, 1 * H:2 * H])
        g = np.tanh(a[:, 2 * H:3 * H])
        o = sigmoid(a[:, 3 * H:4 * H])
        c_new = f * c + i * g
        h_new = o * np.tanh(c_new)
        steps.append((h, c, i, f, g, o, c_new))
        h, c = h_new, c_new
        outs.append(h)
    return np.stack(outs, axis=1), (h, c), (x, p, steps)


def lstm_backward(dout, dstate, cache):
    x, p, steps = cache
    dhT, dcT = dstate
    B, T, _ = x.shape
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    dx = np.zeros_like(x)
    dh, dc = dhT.copy(), dcT.copy()
    for t in reversed(range(T)):
        h_prev, c_prev, i, f, g, o, c = steps[t]
        dh = dh + dout[:, t]
        tc = np.tanh(c)
        do = dh * tc
        dc = dc + dh * o * (1.0 - tc ** 2)
        di = dc * g
        dg = dc * i
        df = dc * c_prev
        da = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g ** 2), do * o * (1 - o)], axis=1)
        grads["weight_ih"] += da.T @ x[:, t]
        grads["weight_hh"] += da.T @ h_prev
        grads["bias_ih"] += da.sum(0)
        grads["bias_hh"] += da.sum(0)
        dx[:, t] = da @ p["weight_ih"]
        dh = da @ p["weight_hh"]
        dc = dc * f
    return dx, grads, (dh, dc)


# ----------------------------------------------------------------------------- GRU
def gru_forward(x, p, h0):
    B, T, _ = x.shape
    H = h0.shape[1]
    h = h0.copy()
    steps, outs = [], []
    for t in range(T):
        ax = x[:, t] @ p["weight_ih"].T + p["bias_ih"]
        ah = h @ p["weight_hh"].T + p["bias_hh"]
        r = sigmoid(ax[:, :H] + ah[:, :H])
        z = sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
        n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
        h_new = (1 - z) * n + z * h
        steps.append((h, r, z, n, ah[:, 2 * H:]))
        h = h_new
        outs.append(h)
    return np.stack(outs, axis=1), h, (x, p, steps)


def gru_backward(dout, dhT, cache):
    x, p, steps = cache
    B, T, _ = x.shape
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    dx = np.zeros_like(x)
    dh = dhT.copy()
    for t in reversed(range(T)):
        h_prev, r, z, n, hn = steps[t]
        dh = dh + dout[:, t]
        dn = dh * (1 - z)
        dz = dh * (h_prev - n)
        dan = dn * (1 - n ** 2)
        dr = dan * hn
        dar = dr * r * (1 - r)
        daz = dz * z * (1 - z)
        dax = np.concatenate([dar, daz, dan], axis=1)
        dah = np.concatenate([dar, daz, dan * r], axis=1)
        grads["weight_ih"] += dax.T @ x[:, t]
        grads["weight_hh"] += dah.T @ h_prev
        grads["bias_ih"] += dax.sum(0)
        grads["bias_hh"] += dah.sum(0)
        dx[:, t] = dax @ p["weight_ih"]
        dh = dh * z + dah @ p["weight_hh"]
    return dx, grads, dh


# ----------------------------------------------------------------- stacked layers
GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def layer_params(params, k):
    """Select layer ``k``'s weights from a torch-style state dict (``weight_ih_l{k}``...)."""
    return {name: params[f"{name}_l{k}"] for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}


def stacked_forward(cell, x, params, num_layers, state, nonlinearity="tanh"):
    """Forward through ``num_layers`` stacked layers. ``state`` is h ``(L, B, H)`` or (h, c)."""
    caches, finals = [], []
    inp = x
    for k in range(num_layers):
        p = layer_params(params, k)
        if cell == "lstm":
            out, fin, cache = lstm_forward(inp, p, state[0][k], state[1][k])
        elif cell == "gru":
            out, fin, cache = gru_forward(inp, p, state[k])
        else:
            out, fin, cache = rnn_forward(inp, p, state[k], nonlinearity)
        caches.append(cache)
        finals.append(fin)
        inp = out
    if cell == "lstm":
        final = (np.stack([f[0] for f in finals]), np.stack([f[1] for f in finals]))
    else:
        final = np.stack(finals)
    return inp, final, caches


def stacked_backward(cell, dout, dstate, caches):
    """Backward through stacked layers; returns ``(dx, grads, dstate0)`` with torch-style names."""
    num_layers = len(caches)
    grads = {}
    d = dout
    d0 = []
    for k in reversed(range(num_layers)):
        if cell == "lstm":
            d, g, ds = lstm_backward(d, (dstate[0][k], dstate[1][k]), caches[k])
        elif cell == "gru":
            d, g, ds = gru_backward(d, dstate[k], caches[k])
        else:
            d, g, ds = rnn_backward(d, dstate[k], caches[k])
        for name, v in g.items():
            grads[f"{name}_l{k}"] = v
        d0.insert(0, ds)
    if cell == "lstm":
        dstate0 = (np.stack([s[0] for s in d0]), np.stack([s[1] for s in d0]))
    else:
        dstate0 = np.stack(d0)
    return d, grads, dstate0


# -------------------------------------------------------------- distribution heads
# Each negative log-likelihood is minus the log of its density (probability) formula, written
# out; the links map a head's raw outputs onto the parameters (tsrnn/nn/distributions.py).
_lgamma = np.vectorize(math.lgamma, otypes=[float])


def softplus(x):
    return np.log(1.0 + np.exp(x))


def normal_nll(y, loc, scale):
    density = np.exp(-((y - loc) ** 2) / (2.0 * scale**2)) / (scale * np.sqrt(2.0 * np.pi))
    return -np.log(density)


def student_t_nll(y, loc, scale, df):
    # Gamma((df+1)/2) / (Gamma(df/2) sqrt(df pi) scale) * (1 + ((y-loc)/scale)**2 / df) ** (-(df+1)/2)
    log_const = _lgamma((df + 1.0) / 2.0) - _lgamma(df / 2.0) - 0.5 * np.log(df * np.pi) - np.log(scale)
    return -(log_const - (df + 1.0) / 2.0 * np.log(1.0 + ((y - loc) / scale) ** 2 / df))


def negative_binomial_nll(y, mean, dispersion):
    # r = 1/alpha failures, success probability p = mean / (r + mean):
    # P(y) = Gamma(y + r) / (Gamma(r) y!) (1 - p)**r p**y
    r = 1.0 / dispersion
    p = mean / (r + mean)
    log_choose = _lgamma(y + r) - _lgamma(r) - _lgamma(y + 1.0)
    return -(log_choose + r * np.log(1.0 - p) + y * np.log(p))


def distribution_params(name, raw, floor=1e-6):
    """Raw head outputs (..., P) -> parameters, by the links of tsrnn/nn/distributions.py."""
    if name == "normal":
        return raw[..., 0], softplus(raw[..., 1]) + floor
    if name == "student_t":
        return raw[..., 0], softplus(raw[..., 1]) + floor, 2.0 + floor + softplus(raw[..., 2])
    return softplus(raw[..., 0]) + floor, softplus(raw[..., 1]) + floor


def distribution_loss(name, raw, y, weight=None, loc=0.0, scale=1.0, floor=1e-6):
    """Weighted mean NLL of ``y = loc + scale * z`` (negative binomial: mean times scale)."""
    params = distribution_params(name, raw, floor)
    if name == "normal":
        nll = normal_nll(y, loc + scale * params[0], scale * params[1])
    elif name == "student_t":
        nll = student_t_nll(y, loc + scale * params[0], scale * params[1], params[2])
    else:
        nll = negative_binomial_nll(y, scale * params[0], params[1])
    w = np.ones_like(nll) if weight is None else np.broadcast_to(weight, nll.shape)
    nll = np.where(w > 0, nll, 0.0)
    return float(np.sum(w * nll) / np.sum(w))
