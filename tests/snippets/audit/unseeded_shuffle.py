import keras
import numpy as np

x = np.linspace(0, 1, 16).reshape(8, 2)
model = keras.Sequential([
    keras.Input((2,)),
    keras.layers.Dense(1, kernel_initializer=keras.initializers.Zeros()),
])
model.compile(optimizer="sgd", loss="mse")
model.fit(x, x[:, :1], epochs=2, shuffle=True, verbose=0)
