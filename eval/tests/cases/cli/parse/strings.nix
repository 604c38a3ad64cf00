# Strings: escapes, interpolation (one part or several), indented strings
# with their indentation stripped and escapes as separate parts; an
# indented string whose only part is a plain string is that string.
x: [
  "\n\t\r\"\\ $ \${x} é"
  "a${x}c"
  "${x}"
  "a${"b${x}"}"
  "$$"
  "a$"
  ''
    a ${x}
      b
  ''
  ''${x}''
  ''a''$b''\nc'''d''
  ''a''${x}''
  ''  a'''''
  ''''
  ''
  ''
  ''a$''
  '' ${x} ''
  ''${x}${x}''
  ''${"y"}''
  ''${(''${"z"}'')}''
  ''${''a''$''}''
  "${"y"}"
]
