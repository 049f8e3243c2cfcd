# A learner's seeded Embedding model, trained on whatever device Keras finds.
# tools/gpu_check.sh runs it with `mlscompanion snippet check`, in fresh
# processes: with `--seed 1234` (mlscompanion.set_seed first: determinism on)
# and without (only the seed below). On a GPU an Embedding's gradient is a
# scatter-add, whose order can change between runs unless determinism is on.
import keras
import numpy as np

import mlscompanion as mlc

keras.utils.set_random_seed(1234)
rng = np.random.default_rng(0)
tokens = rng.integers(0, 1000, size=(4096, 20))
labels = (tokens.sum(axis=1) % 2).astype("float32")
model = keras.Sequential([
    keras.Input((20,), dtype="int32"),
    keras.layers.Embedding(1000, 64),
    keras.layers.GlobalAveragePooling1D(),
    keras.layers.Dense(64, activation="relu"),
    keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(loss="binary_crossentropy", optimizer="adam")
model.fit(tokens, labels, epochs=2, batch_size=128, verbose=0)
print(mlc.fingerprint(model))
