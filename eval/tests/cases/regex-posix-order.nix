# builtins.match / builtins.split as C++ Nix runs them: libstdc++'s POSIX
# executor keeps the longest match, and among equally long ones the
# captures of the first found in its depth-first order (left alternative
# first, one more loop iteration first); loops may run twice without
# progress; inner groups keep stale captures from earlier iterations.
let
  m = builtins.match;
  s = builtins.split;
in
{
  order = [
    (m "(a|ab)(c|bcd)(d*)" "abcd")
    (m "(a*)*" "aa")
    (m "(a*)+" "aa")
    (m "(a*)*" "")
    (m "(a|b)*" "abba")
    (m "((a)|b)*" "ab")
    (m "((a)|(b))*" "aba")
    (m "(a|)*" "aa")
    (m "(|a)*" "aa")
    (m "(|a)+" "")
    (m "(a?)((ab)?)(b?)" "ab")
    (m "(a{0,2})(a*)" "aaa")
    (m "(a){2}" "aa")
    (m "((a)|(b)){2,3}" "abb")
    (m "(^)*a" "a")
    (m "($)*a" "a")
    (m "a**" "aaa")
    (m "a+*" "aaa")
    (m "x?+" "xx")
    (m "a{1}{2}" "aa")
    (m "a||b" "")
    (m "(|a)" "a")
    (m "[]a]*" "]a]")
    (m "[^]a]*" "bc")
    (m "[a-]*" "a-")
    (m "[--0]+" "-./0")
    (m "[[.period.][.a.]-c]*" ".abc")
    (m "[[=a=]]*" "aA")
    (m "[[:ALPHA:][:digit:]_]*" "aZ09_")
    (m "[[:w:]]+" "a_1")
    (m "a}]" "a}]")
    (m "\\.\\*\\[\\(\\{\\|\\^\\$\\\\" ".*[({|^$\\")
    (m "." "\n")
    (m "[^a]" "\n")
    (m "[é]" "é")
    (m "(é)" "é")
  ];
  split = [
    (s "a*" ".1cca.")
    (s "()|[ab]" "abc1..")
    (s "([ab]*)" ".axa1xa")
    (s "^a*" "aab")
    (s "^" "ab")
    (s "$" "ab")
    (s "(a|ab)(c|bcd)?" "abcdabc")
    (s "x*|b" "abxb")
    (s "(a)|b" "cab")
    (s "" "")
    (s "" "ab")
    (s "b*" "abbcb")
  ];
}
