import keras

keras.utils.set_random_seed(1234)
init = keras.initializers.RandomNormal(stddev=0.1)
model = keras.Sequential([
    keras.Input((2,)),
    keras.layers.Dense(2, kernel_initializer=init),
    keras.layers.Dense(2, kernel_initializer=init),
])
