# The element's error comes out of builtins.partition, under its frame.
builtins.partition (x: true) [ (throw "element") 1 ]
