# Under __STRICT_ANSI__ libstdc++ allows escaping only `.[\()*+?{|^$`.
builtins.split "a\\x" "a"
