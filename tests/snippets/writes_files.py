# Writes a file with a relative path and reports where it ran.
import os

with open("weights.txt", "w") as handle:
    handle.write("0.2 0.2\n")
print("cwd:", os.getcwd())
print("files:", sorted(os.listdir(".")))
