# 0.25 plus noise below 1e-7: differs bit for bit, agrees to 6 decimals.
import os

noise = int.from_bytes(os.urandom(2), "big") * 1e-12
print(f"loss: {0.25 + noise!r}")
