# fromTOML's frame says "the argument" (C++ forceStringNoCtx), not "the
# first argument".
builtins.fromTOML 2
