# An indented string split by escapes is a concatenation, so as an
# attribute name it is dynamic; one literal part stays a static name.
{ ${''a''${1}''} = 1; ${''b''} = 2; ${"c\n"} = 3; x.${''q'''r''} = 4; }
