"${{ __toString = self: builtins.length 1; }}"
