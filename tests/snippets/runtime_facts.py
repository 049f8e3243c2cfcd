# NumPy-only seeding, one initializer instance in two layers (built in a loop), fit shuffling.
import numpy as np
import keras

np.random.seed(0)
init = keras.initializers.GlorotUniform()
hidden = [keras.layers.Dense(2, kernel_initializer=init) for _ in range(2)]
model = keras.Sequential([keras.Input((2,)), *hidden, keras.layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse")
start = [layer.get_weights()[0] for layer in hidden]
x = np.random.rand(8, 2)
model.fit(x, x[:, :1], epochs=1, batch_size=4, verbose=0)
print("same initial kernels:", np.array_equal(start[0], start[1]))
print("kernel moved:", not np.array_equal(start[0], hidden[0].get_weights()[0]))
