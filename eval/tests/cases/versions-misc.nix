{ nv = builtins.nixVersion != ""; lv = builtins.langVersion; c = builtins.ceil 1.5; f = builtins.floor (-1.5); }
