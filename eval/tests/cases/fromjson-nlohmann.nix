# builtins.fromJSON as C++ Nix parses with nlohmann::json: integers that fit
# i64 (and -0) are integers, larger ones floats; escapes, surrogate pairs,
# UTF-8, a BOM, whitespace and NUL-terminated input; the last of duplicate
# keys wins.
let
  j = builtins.fromJSON;
in
{
  ints = map j [ "0" "-0" "1" "-1" "9223372036854775807" "-9223372036854775808" ];
  bigs = map j [
    "-9223372036854775809"
    "18446744073709551616"
    "123456789012345678901234567890"
  ];
  negzero = map (s: builtins.toJSON (j s)) [ "-0.0" "-0" "-0e0" ];
  floats = map j [ "1E5" "1e5" "1.5e-7" "2.5" "1e-400" "1e+2" "0.0" "-0.0" "1.7976931348623157e308" ];
  types = map (s: builtins.typeOf (j s)) [ "-0" "0.0" "1e2" "18446744073709551616" ];
  strings = map j [
    ''"\"\\\/\b\f\n\r\t"''
    ''"\u0041\u00e9\u20AC\ud83d\ude00"''
    ''"é€😀"''
    ''""''
  ];
  bom = j "﻿[1]";
  ws = j " \t\n\r[ 1 ,\n\t2 ] \n";
  # The C++ lexer reads a NUL byte outside a string as the end of input;
  # Nix strings cannot hold one, so this is only the plain case.
  unicode-keys = j ''{"\u00e9": 1, "é": 2}'';
  dup = j ''{"a": 1, "b": 2, "a": {"x": 3}, "b": null}'';
  nested = j ''{"a": {"b": {"c": [[], {}, [[1]]]}}}'';
  keys = builtins.attrNames (j ''{"zz": 1, "a": 2, "": 3, "é": 4}'');
  literals = j "[true,false,null]";
}
