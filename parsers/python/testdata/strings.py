a = 'single\n\t\\\'q\''
b = r'raw\d\n'
c = b'\x00\xff bytes'
d = """triple
quoted"""
e = "implicit" ' concat' """ three"""
f = f'{x!r:>10} and {y:{w}.{p}} {{lit}} {z=}'
g = "\u00e9\U0001F389\x41\101\N{BULLET}"
h = "%(name)s is %(age)d years; 100%%" % {"name": who, "age": years}
i = "{0} {1[key]} {name.attr}".format(first, second, name=obj)
j = "%s %s" % args
k = "prefix: " + "%s" % val + suffix
