"""The causes of irreproducibility the audit knows, in plain words, with the fix.

Each cause has a short code, a title, an explanation and the fix; ``audit.py``
decides which apply to a snippet, the reports show them.

>>> title, explanation, fix = CAUSES["TF_SEED_ONLY"]
>>> title
'Only `tf.random.set_seed` is used'
"""

__all__ = ["CAUSES", "FIX_SEED"]

FIX_SEED = ("call `mlscompanion.set_seed(1234)` (or `keras.utils.set_random_seed(1234)`) "
            "once, before building the model")

# code: (title, explanation, fix)
CAUSES = {
    "NOT_SEEDED": (
        "Nothing is seeded",
        "The snippet uses Keras but seeds nothing, so the initial weights (and the "
        "shuffling during fit) are drawn afresh on every run.",
        FIX_SEED + "."),
    "TF_SEED_ONLY": (
        "Only `tf.random.set_seed` is used",
        "Under Keras 3 (and Keras 2 from 2.13 on), `tf.random.set_seed` no longer fixes "
        "the initial weights: a "
        "Keras initializer without its own seed draws one from Python's `random` "
        "module when it is created, which `tf.random.set_seed` does not touch. "
        "Two runs build layers with different initial weights.",
        "replace it with `keras.utils.set_random_seed(1234)` (it seeds Python, NumPy, "
        "TensorFlow and Keras at once) or `mlscompanion.set_seed(1234)`, before "
        "building the model."),
    "NUMPY_SEED_ONLY": (
        "Only `np.random.seed` is used",
        "`np.random.seed` fixes NumPy's global generator only. Keras initial weights "
        "come from Keras' own seed generator and fit's shuffling from TensorFlow, "
        "so both still change from run to run.",
        FIX_SEED + " (it seeds NumPy too)."),
    "UNSEEDED_RNG": (
        "NumPy random numbers without a seed",
        "A NumPy generator created without a seed (`np.random.default_rng()`, "
        "`np.random.RandomState()`) or NumPy's global generator used without "
        "`np.random.seed` gives different numbers on every run, so the data the "
        "snippet makes changes too.",
        "give the generator a seed: `np.random.default_rng(1234)`, as the course "
        "labs do (`np.random.default_rng(2)` in the coffee-roasting lab)."),
    "SHARED_INITIALIZER": (
        "One initializer instance is used by two layers",
        "Keras does not copy an initializer object: an instance passed to two "
        "layers gives them the same initial weights when their shapes match "
        "(identical units by accident, the symmetry the course warns about), "
        "and the instance's seed was drawn once when it was created.",
        "pass a fresh initializer to each layer, e.g. "
        "`kernel_initializer=keras.initializers.GlorotUniform(seed=1)` and "
        "`...(seed=2)`, or the string `\"glorot_uniform\"` (a new instance per layer)."),
    "UNSEEDED_SHUFFLE": (
        "`fit` shuffles with an unseeded TensorFlow generator",
        "`fit` shuffles the training data every epoch (`shuffle=True` is the "
        "default). With the TensorFlow backend the order comes from TensorFlow's "
        "random generator, which nothing seeds here, so the batches, and the "
        "trained weights, change from run to run.",
        FIX_SEED + ", or pass `shuffle=False` to `fit`."),
    "GPU_NONDETERMINISM": (
        "GPU with deterministic kernels off",
        "The snippet ran on a GPU without the backend's deterministic kernels "
        "(TensorFlow's op determinism, PyTorch's deterministic algorithms, or "
        "XLA's deterministic GPU ops for JAX): some GPU kernels add numbers in a "
        "different order on every run, so results can differ in the last digits "
        "even with every seed set.",
        "call `mlscompanion.set_seed(1234, deterministic=True)` before building the "
        "model. Under JAX it must come before JAX starts (before the first array), "
        "or put `import os; os.environ[\"XLA_FLAGS\"] = \"--xla_gpu_deterministic_ops=true\"` "
        "first in the snippet."),
    "SET_ITERATION": (
        "Iterating over a set",
        "The order of strings in a Python set changes from process to process "
        "(Python randomizes string hashes, see PYTHONHASHSEED), so a loop over a "
        "set of strings can visit them in a different order on every run.",
        "iterate over `sorted(the_set)`, or keep the items in a list or dict "
        "(both keep insertion order)."),
}
