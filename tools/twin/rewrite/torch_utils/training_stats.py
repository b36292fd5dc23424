def report(name, value):
    return value


def report0(name, value):
    return value
