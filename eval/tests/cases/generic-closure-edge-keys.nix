# genericClosure: an empty startSet needs no operator; a key without an
# order is fine while it is alone; 1 and 1.0 are the same key.
[
  (builtins.genericClosure { startSet = [ ]; })
  (builtins.genericClosure {
    startSet = [ { key = { }; } ];
    operator = x: [ ];
  })
  (builtins.genericClosure {
    startSet = [
      { key = 1; }
      { key = 1.0; }
      { key = 2; }
    ];
    operator = x: [ ];
  })
]
