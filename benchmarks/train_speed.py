"""Steady-state training throughput (real images per second) of a preset.

Compile/trace time is excluded: the train function runs ``--warmup`` steps first, then
``--steps`` timed steps on synthetic batches already in memory (so data loading is not
measured). Each step is one full GAN step: n_critic discriminator updates + one generator
update, consuming n_critic * batch_size real images.

    python -m benchmarks.train_speed --preset=dcgan_28 --batch_size=128
"""

import json
import time

from absl import app, flags

flags.DEFINE_multi_string("preset", ["dcgan_28", "wgan_gp"], "Presets to measure.")
flags.DEFINE_integer("batch_size", None, "Batch size per critic step; default: the preset's.")
flags.DEFINE_integer("steps", 20, "Timed steps.")
flags.DEFINE_integer("warmup", 3, "Untimed steps (tracing, XLA compilation).")
flags.DEFINE_multi_string("jit_compile", ["false", "true"], "XLA settings to compare.")
flags.DEFINE_string("output", None, "Optional JSON file for the results.")
flags.DEFINE_float("peak_gflops", 190.0, "The machine's float32 matmul peak, for the share-of-peak column.")
FLAGS = flags.FLAGS


def train_step_flops(gan, batch):
    """Float operations of one traced train_step, counted by TensorFlow's profiler."""
    import tensorflow as tf
    from tensorflow.python.profiler import model_analyzer, option_builder

    spec = tf.nest.map_structure(lambda t: tf.TensorSpec(t.shape, t.dtype), batch)
    graph = tf.function(gan.train_step).get_concrete_function(spec).graph
    options = option_builder.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    return model_analyzer.profile(graph, options=options).total_float_ops


def measure(preset_name, batch_size, jit_compile, steps, warmup, peak_gflops):
    import keras
    import tensorflow as tf

    from keras_gans import presets

    keras.utils.clear_session()
    preset = presets.get(preset_name)
    gan = presets.build(preset_name, seed=0)
    gan.compile(jit_compile=jit_compile)
    batch_size = batch_size or preset["data"]["batch_size"]
    shape = (batch_size * gan.batch_chunks,) + tuple(preset["data"]["image_shape"])
    images = tf.random.uniform(shape, -1.0, 1.0)
    batch = images
    if gan.data_format == "paired":  # (source, target) pairs: the source has G's input shape
        source_shape = (shape[0],) + tuple(gan.generator.input_shape[1:])
        batch = {"source": tf.random.uniform(source_shape, -1.0, 1.0), "target": images}
    flops = train_step_flops(gan, batch)
    iterator = iter(tf.data.Dataset.from_tensors(batch).repeat())
    gan.make_train_function()
    train_function = gan.train_function
    for _ in range(warmup):
        train_function(iterator)
    gan.metrics[0].result().numpy()  # wait for the device
    start = time.perf_counter()
    for _ in range(steps):
        logs = train_function(iterator)
    float(next(iter(logs.values())))
    seconds = time.perf_counter() - start
    return {
        "preset": preset_name,
        "jit_compile": jit_compile,
        "batch_size": batch_size,
        "batch_chunks": gan.batch_chunks,
        "step_ms": round(1000 * seconds / steps, 1),
        "img_per_s": round(steps * shape[0] / seconds, 1),
        "gflop_per_img": round(flops / shape[0] / 1e9, 3),
        "gflops": round(flops * steps / seconds / 1e9, 1),
        "share_of_peak": round(flops * steps / seconds / 1e9 / peak_gflops, 2),
    }


def main(argv):
    del argv
    results = []
    for name in FLAGS.preset:
        for jit in FLAGS.jit_compile:
            result = measure(name, FLAGS.batch_size, jit.lower() == "true", FLAGS.steps, FLAGS.warmup,
                             FLAGS.peak_gflops)
            print(json.dumps(result), flush=True)
            results.append(result)
    if FLAGS.output:
        with open(FLAGS.output, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    app.run(main)
