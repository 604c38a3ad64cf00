"${{ __toString = self: { }; }}"
