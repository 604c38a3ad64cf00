# C++ Nix binds a set's static attributes in symbol-id order (`name` is
# interned at start-up, `c` only here), so e3 is reported, not e5.
{ c = e5; name = e3; }
