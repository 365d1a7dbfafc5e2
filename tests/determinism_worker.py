"""Run by tests/test_determinism.py in a subprocess with a given NUMBA_NUM_THREADS.

Writes every output and gradient of the three cells (both dtypes), and the weights after a
few training steps, to the .npz path given as argv[1].
"""

import sys

import numpy as np
from numba import get_num_threads

from tsrnn.nn import GRU, LSTM, RNN, Adam, RecurrentRegressor, TBPTTTrainer


def main(path):
    res = {"threads": np.array(get_num_threads())}
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        # B=70 gives 5 chunks of 16 rows, the last one partial.
        x = rng.standard_normal((70, 24, 3)).astype(dtype)
        for cls in (LSTM, GRU, RNN):
            m = cls(3, 20, num_layers=2, dtype=dtype, seed=1)
            out, _ = m.forward(x)
            dx = m.backward(np.cos(out))
            key = f"{cls.__name__}_{np.dtype(dtype).name}"
            res[f"{key}_out"] = out
            res[f"{key}_dx"] = dx
            res[f"{key}_grads"] = m.flat_grads.copy()
        model = RecurrentRegressor("lstm", 3, 12, 2, dtype=dtype, seed=3)
        trainer = TBPTTTrainer(model, "mse", Adam(model.parameters(), lr=1e-2), mode="stateful", k=8, clip_norm=1.0)
        y = np.stack([np.sin(x[..., 0]), np.cos(x[..., 1])], axis=-1).astype(dtype)
        for _ in range(3):
            trainer.step(x, y)
        for i, (p, _) in enumerate(model.parameters()):
            res[f"train_{np.dtype(dtype).name}_{i}"] = p.copy()
    np.savez(path, **res)


if __name__ == "__main__":
    main(sys.argv[1])
