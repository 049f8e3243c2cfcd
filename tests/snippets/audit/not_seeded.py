import keras

model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
print(model.get_weights()[0])
