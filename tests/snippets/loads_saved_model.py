# Saves and reloads a model that uses a tie constraint: the checked run must
# find mlscompanion's classes registered, as after a plain `import mlscompanion`.
import keras

import mlscompanion as mlc

mlc.set_seed(1)
tie = keras.saving.get_registered_object("mlscompanion>TieUnits")
model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, kernel_constraint=tie([[0, 1]]))])
model.save("m.keras")
print(type(keras.models.load_model("m.keras", safe_mode=True).layers[0].kernel_constraint).__name__)
