print("fine")
if True
    print("missing colon")
