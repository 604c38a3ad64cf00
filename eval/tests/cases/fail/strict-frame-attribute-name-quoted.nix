# The frame --strict adds for an attribute quotes a name that is not an
# identifier (here an empty name and a keyword would be too).
{ "a b" = throw "inside"; }
