# A path returned by `__toString` and copied to the store: the copy's
# error has no `__toString` frame, as in C++ Nix.
"${{ __toString = self: /a/b/../c; }}"
