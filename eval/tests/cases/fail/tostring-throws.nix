"${{ __toString = self: throw "t"; }}"
