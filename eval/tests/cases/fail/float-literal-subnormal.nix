# strtod underflow to a subnormal number is refused too.
[ 2.3e-308 2.0e-308 ]
