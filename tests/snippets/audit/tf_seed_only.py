import tensorflow as tf

tf.random.set_seed(1234)
model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(3)])
