features = {"temperature", "duration"}
for name in features:
    print(name)
