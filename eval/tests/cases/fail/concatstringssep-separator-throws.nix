builtins.concatStringsSep (throw "sep") [ ]
