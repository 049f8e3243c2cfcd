learning_rate = float(input("learning rate? "))
print(learning_rate)
