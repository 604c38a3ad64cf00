# coerceToString adds its context to a list element's error, but not to an
# error forcing the value itself.
toString [
  1
  (throw "element")
]
