# Indented strings: indentation stripping and every escape rule.
let x = "X"; in
[
  ''
    two
      four
    two
  ''
  ''  first line kept as is
      second''
  ''

    after an empty line
   
    a line of spaces above
  ''
  ''
    ''$ is a dollar: ''${x}
    ''' is two quotes
    ''\n''\t''\r''\\ and ''\x and ''\'
    $${x} $$ $ and a lone $
    interpolated ${x} and ${"  keeps spaces  "}
  ''
  ''
	tab indented
	  is not stripped
  ''
  ''
      ${x} at the start counts as text
    so this line sets the indentation
  ''
  ''${x}''
  ''''
  ''   ''
  ''
  ''
  ''a
  b''
  ''
    trailing spaces kept   
    end''
  ''
    '''x'''
  ''
]
