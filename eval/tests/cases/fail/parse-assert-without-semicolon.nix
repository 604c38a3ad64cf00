# An assert condition must be followed by `;`.
assert true
