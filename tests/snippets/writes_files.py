# Writes a file with a relative path and reports where it ran (path given by the test).
import os

with open("weights.txt", "w") as handle:
    handle.write("0.2 0.2\n")
with open(os.environ["MLSC_TEST_PROBE"], "w") as handle:
    handle.write(os.path.realpath(os.getcwd()))
print("cwd:", os.getcwd())
print("files:", sorted(os.listdir(".")))
