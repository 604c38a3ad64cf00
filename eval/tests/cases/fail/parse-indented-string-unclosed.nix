# An indented string never closed.
''abc ${x} def
