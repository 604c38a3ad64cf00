assert [ builtins.map ] == [ builtins.map ];
1
