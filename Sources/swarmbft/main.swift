print("swarmbft")
