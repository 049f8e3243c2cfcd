import os

print("token:", os.urandom(4).hex())
