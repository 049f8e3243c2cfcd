import numpy as np
import keras

keras.utils.set_random_seed(1234)
rng = np.random.default_rng(2)
x = rng.uniform(size=(8, 2))
model = keras.Sequential([
    keras.Input((2,)),
    keras.layers.Dense(2, kernel_initializer=keras.initializers.GlorotUniform(seed=1)),
    keras.layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(seed=2)),
])
model.compile(optimizer="adam", loss="mse")
model.fit(x, x[:, :1], epochs=1, shuffle=True, verbose=0)
for name in sorted({"w1", "w2"}):
    print(name)
