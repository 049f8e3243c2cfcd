# The course lab's seeding: under Keras 3 it does not fix the initial weights.
import tensorflow as tf
import keras

tf.random.set_seed(1234)
model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="sigmoid")])
print(model.layers[0].get_weights()[0])
