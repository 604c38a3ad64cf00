builtins.stringLength (throw "forced")
