"""Upscaling throughput of ESRGAN / Real-ESRGAN's RRDBNet x4 (megapixels of output per second).

Batch 1, square low-resolution tiles of ``--tiles`` pixels (output 4x larger per side), the
paper configuration (23 RRDBs, 64 features, growth 32; 16.7M parameters) unless ``--quick``.
Backends (``--backends``):

* ``tf``: the Keras model called inside ``tf.function(jit_compile=False)`` with a fixed input
  signature (the tile's full shape); ``tf-dynamic``: the same with ``[1, None, None, 3]``;
* ``tf-xla`` / ``tf-xla-dynamic``: the same with ``jit_compile=True``;
* ``keras-eager``: ``model(x, training=False)`` without tf.function (per-layer Python overhead);
* ``torch``: tests/networks/torch_reference.py's ``RRDBNet`` with the same weights (loaded
  into the Keras model with ``keras_gans.networks.convert.load_state_dict``), NCHW,
  ``torch.inference_mode()``, ``torch.set_num_threads(os.cpu_count())``; ``torch-cl``: the same
  in ``torch.channels_last`` memory format.

Every backend gets its input in its own native layout, made before timing (NHWC for TF, NCHW for
PyTorch): layout conversions are not measured. Run it on an otherwise idle machine: with other
processes on the cores, PyTorch's OpenMP threads (``--torch_threads`` = the core count) wait for
each other at every parallel region and slow down many times over (seen here: the tiny
``--quick`` network in NCHW took 100 - 1900 ms per call with 2 threads on a loaded 2-core machine,
4 - 10 ms with 1 thread); the script prints the load average before and after. ``--warmup`` untimed runs (tracing, XLA
compilation, oneDNN primitive creation) precede ``--repeats`` timed runs; the median is
reported. The outputs of every backend are compared with PyTorch's on the first tile (max abs
difference).

FLOPs are counted analytically (:func:`conv_flops`: 2 x multiply-accumulates of every Conv2D at
its output resolution; activations, additions, concatenations and resizes are left out, < 0.1%),
and the share of peak is taken against the best float32 GFLOP/s of a large square matmul
(``--matmul_size``) in TF and in NumPy, measured on the same machine just before.

    python -m benchmarks.sr_speed                      # paper config, tiles 32, 64, 128
    python -m benchmarks.sr_speed --tiles 64 --backends tf tf-xla torch torch-cl
    python -m benchmarks.sr_speed --quick              # tiny network, one tile: a smoke run
"""

import argparse
import copy
import importlib.util
import json
import os
import statistics
import sys
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKENDS = ("tf", "tf-dynamic", "tf-xla", "tf-xla-dynamic", "keras-eager", "torch", "torch-cl")


# ----------------------------------------------------------------------------- FLOPs
def conv_flops(model, height, width, batch=1):
    """Float operations of ``model``'s convolutions on a ``[batch, height, width, C]`` input:
    the sum over every ``keras.layers.Conv2D`` (also one wrapped in e.g.
    ``SpectralNormalization``) of ``2 * B * H_out * W_out * C_out * kh * kw * C_in / groups``,
    with the output shapes worked out by Keras for this input size.

    Returns:
        ``(total, per_layer)`` with per_layer a list of ``(layer name, flops)``.
    """
    import keras

    entries = []  # (functional layer whose output has the conv's shape, the Conv2D)
    for layer in model.layers:
        conv = layer
        while not isinstance(conv, keras.layers.Conv2D) and hasattr(conv, "layer"):
            conv = conv.layer  # wrappers (SpectralNormalization, ...)
        if isinstance(conv, keras.layers.Conv2D):
            entries.append((layer, conv))
    if not entries:
        return 0, []
    probe = keras.Model(model.inputs, [layer.output for layer, _ in entries])
    channels = model.inputs[0].shape[-1]
    specs = probe.compute_output_spec(keras.KerasTensor((batch, height, width, channels)))
    if not isinstance(specs, (list, tuple)):
        specs = [specs]
    per_layer = []
    for (layer, conv), spec in zip(entries, specs):
        b, h, w, c_out = spec.shape
        kh, kw, c_in_per_group, kernel_out = conv.kernel.shape
        if kernel_out != c_out:
            raise ValueError(f"{layer.name}: kernel {tuple(conv.kernel.shape)} does not give "
                             f"output shape {tuple(spec.shape)}.")
        per_layer.append((layer.name, 2 * b * h * w * c_out * kh * kw * c_in_per_group))
    return sum(f for _, f in per_layer), per_layer


# ----------------------------------------------------------------------------- peak
def matmul_peak(n, repeats=5):
    """Best float32 GFLOP/s of an ``n x n`` matmul: ``{"tf": ..., "numpy": ...}``."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
    flops = 2.0 * n ** 3
    out = {}

    ta, tb = tf.constant(a), tf.constant(b)
    mm = tf.function(lambda x, y: tf.linalg.matmul(x, y))
    mm(ta, tb).numpy()  # trace
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        mm(ta, tb).numpy()  # numpy(): wait for the result (a small copy next to n^3 work)
        best = min(best, time.perf_counter() - start)
    out["tf"] = flops / best / 1e9

    a @ b
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    out["numpy"] = flops / best / 1e9
    return out


# ----------------------------------------------------------------------------- networks
def load_torch_reference():
    """tests/networks/torch_reference.py as a module (tests/ is no package)."""
    if "torch_reference" in sys.modules:
        return sys.modules["torch_reference"]
    path = os.path.join(REPO, "tests", "networks", "torch_reference.py")
    spec = importlib.util.spec_from_file_location("torch_reference", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["torch_reference"] = module
    spec.loader.exec_module(module)
    return module


def build_pair(num_blocks, num_features, growth, seed=0):
    """The PyTorch reference RRDBNet x4 (official initialisation, torch seed ``seed``) and our
    Keras ``rrdbnet`` with its weights (through the checkpoint converter)."""
    import torch

    from keras_gans.networks.convert import load_state_dict
    from keras_gans.networks.super_resolution import rrdbnet

    ref = load_torch_reference()
    torch.manual_seed(seed)
    net = ref.RRDBNet(3, 3, scale=4, num_feat=num_features, num_block=num_blocks,
                      num_grow_ch=growth).eval()
    model = rrdbnet(scale=4, num_blocks=num_blocks, num_features=num_features, growth=growth)
    result = load_state_dict(model, ref.numpy_state_dict(net))
    assert not result.missing_keys and not result.unexpected_keys
    return net, model


def make_runner(backend, model, net, tile):
    """A callable ``x -> np.ndarray NHWC output`` for one backend and its native input."""
    if backend.startswith("tf") or backend == "keras-eager":
        import tensorflow as tf

        if backend == "keras-eager":
            return lambda x: np.asarray(model(x, training=False))
        dynamic = backend.endswith("-dynamic")
        spec = tf.TensorSpec([1, None, None, 3] if dynamic else [1, tile, tile, 3], tf.float32)
        fn = tf.function(lambda x: model(x, training=False), input_signature=[spec],
                         jit_compile="xla" in backend)
        return lambda x: fn(x).numpy()
    import torch

    if backend == "torch-cl":  # a copy: the NCHW runner keeps the original
        net = copy.deepcopy(net).to(memory_format=torch.channels_last)

    def run(x):
        with torch.inference_mode():
            return net(x).permute(0, 2, 3, 1).numpy()

    return run


def native_input(backend, x_nhwc):
    if backend.startswith("torch"):
        import torch

        x = torch.from_numpy(np.ascontiguousarray(x_nhwc.transpose(0, 3, 1, 2)))
        return x.contiguous(memory_format=torch.channels_last) if backend == "torch-cl" else x
    if backend == "keras-eager":
        return x_nhwc
    import tensorflow as tf

    return tf.constant(x_nhwc)


def time_runs(run, x, warmup, repeats):
    for _ in range(warmup):
        run(x)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(x)
        times.append(time.perf_counter() - start)
    return times


# ----------------------------------------------------------------------------- main
def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tiles", type=int, nargs="+", default=[32, 64, 128],
                   help="Low-resolution tile sizes (square).")
    p.add_argument("--backends", nargs="+", choices=BACKENDS, default=["tf", "tf-xla", "torch"])
    p.add_argument("--num_blocks", type=int, default=23)
    p.add_argument("--num_features", type=int, default=64)
    p.add_argument("--growth", type=int, default=32)
    p.add_argument("--warmup", type=int, default=2, help="Untimed runs per tile and backend.")
    p.add_argument("--repeats", type=int, default=5, help="Timed runs (median reported).")
    p.add_argument("--matmul_size", type=int, default=2048, help="Peak-measuring matmul size.")
    p.add_argument("--torch_threads", type=int, default=os.cpu_count(),
                   help="torch.set_num_threads (default: the core count).")
    p.add_argument("--output", default=None, help="Optional JSON file for the results.")
    p.add_argument("--quick", action="store_true",
                   help="Smoke run: RRDBNet(2 blocks, 16 features, growth 8), tile 16, all "
                        "backends, 1 warm-up + 3 repeats, a 512 matmul.")
    args = p.parse_args(argv)
    if args.quick:
        args.tiles, args.num_blocks, args.num_features, args.growth = [16], 2, 16, 8
        args.warmup, args.repeats, args.matmul_size = 1, 3, 512
        args.backends = list(BACKENDS)
    return args


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    import torch

    cores = os.cpu_count()
    torch.set_num_threads(args.torch_threads)
    load = os.getloadavg()[0]
    if load > 0.5:
        print(f"WARNING: 1-minute load average {load:.2f} on {cores} cores before starting: "
              "other processes share the cores, so the timings are not the machine's (PyTorch's "
              "OpenMP threads suffer most: try --torch_threads=1 to see).")
    peak = matmul_peak(args.matmul_size)
    peak_gflops = max(peak.values())
    net, model = build_pair(args.num_blocks, args.num_features, args.growth)
    n_params = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    print(f"RRDBNet x4: {args.num_blocks} blocks, {args.num_features} features, growth "
          f"{args.growth}, {n_params:,} parameters; batch 1; {cores} cores (torch threads "
          f"{torch.get_num_threads()}, TF intra-op "
          f"{tf.config.threading.get_intra_op_parallelism_threads() or 'default'}); "
          f"TF {tf.__version__}, torch {torch.__version__}")
    print(f"float32 peak ({args.matmul_size}^2 matmul, best of 5): TF {peak['tf']:.1f} GFLOP/s, "
          f"NumPy {peak['numpy']:.1f} GFLOP/s -> peak {peak_gflops:.1f} GFLOP/s")

    rng = np.random.default_rng(0)
    rows, checks = [], []
    for ti, tile in enumerate(args.tiles):
        flops, _ = conv_flops(model, tile, tile)
        x = rng.uniform(0.0, 1.0, (1, tile, tile, 3)).astype(np.float32)
        if ti == 0:  # agreement with PyTorch on the first tile
            reference = make_runner("torch", model, net, tile)(native_input("torch", x))
        for backend in args.backends:
            run = make_runner(backend, model, net, tile)
            xin = native_input(backend, x)
            if ti == 0:
                diff = float(np.abs(run(xin) - reference).max())
                checks.append((backend, diff, float(np.abs(reference).max())))
            seconds = statistics.median(time_runs(run, xin, args.warmup, args.repeats))
            mp = (4 * tile) ** 2 / 1e6
            gflops = flops / seconds / 1e9
            rows.append({"tile": tile, "backend": backend, "ms_per_tile": 1000 * seconds,
                         "mp_per_s": mp / seconds, "gflops": gflops,
                         "share_of_peak": gflops / peak_gflops, "gflop_per_tile": flops / 1e9})
            print(f"  tile {tile} {backend}: {1000 * seconds:.1f} ms", file=sys.stderr,
                  flush=True)

    print(f"\nFirst tile ({args.tiles[0]}x{args.tiles[0]}) vs PyTorch: "
          + "; ".join(f"{b} max |diff| {d:.2e}" for b, d, _ in checks)
          + f" (max |output| {checks[0][2]:.3f})")
    print("\nGFLOP per tile (convolutions): " + ", ".join(
        f"{t}: {conv_flops(model, t, t)[0] / 1e9:.3f}" for t in args.tiles))
    print("\n| tile | backend | ms/tile | MP/s | GFLOP/s | % of peak |")
    print("|---:|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['tile']} | {r['backend']} | {r['ms_per_tile']:.1f} | {r['mp_per_s']:.3f} "
              f"| {r['gflops']:.1f} | {100 * r['share_of_peak']:.1f} |")
    print(f"\n1-minute load average at the end: {os.getloadavg()[0]:.2f}")
    if args.output:
        with open(args.output, "w") as f:
            json.dump({"peak_gflops": peak, "rows": rows,
                       "first_tile_max_abs_diff": {b: d for b, d, _ in checks}}, f, indent=1)
    return rows


if __name__ == "__main__":
    main()
