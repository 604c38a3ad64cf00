# `{` always opens an interval, which needs a leading count.
builtins.match "a{,2}" "a"
