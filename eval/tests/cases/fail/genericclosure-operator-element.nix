# genericClosure forces each element the operator returns as it queues it
# (C++ Nix, without a frame), before the elements queued earlier.
builtins.genericClosure {
  startSet = [ { key = 1; } { key = 2; } ];
  operator = x: if x.key == 1 then [ (throw "bad element") ] else [ ];
}
