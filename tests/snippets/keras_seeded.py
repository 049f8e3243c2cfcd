# The same snippet seeded for Keras 3: Python, NumPy, TensorFlow and Keras at once.
import tensorflow as tf
import keras

keras.utils.set_random_seed(1234)
model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="sigmoid")])
print(model.layers[0].get_weights()[0])
