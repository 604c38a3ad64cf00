# Single-use `let` bindings, which the compiler evaluates at their use
# instead of delaying them in a thunk when the `let` is entered: values,
# laziness, sharing and errors caught by tryEval stay as with thunks.
let
  chain = i:
    let a1 = i; in let a2 = a1 + 1; in let a3 = a2 * 2; in let a4 = a3 - 1; in
    a1 + a4;
  lazyUnused = let boom = throw "never"; in "unused";
  lazyInList = let x = throw "in list"; in builtins.length [ x ];
  retried = let
    b = 1 + 1;
    c = builtins.seq b (throw "c");
  in [ (builtins.tryEval c) (builtins.tryEval c) b ];
  shared = let one = [ 1 ]; alias = one; in [ alias one ];
  nested = let s = { x = 1; }; t = s // { y = 2; }; u = t.x + t.y; in u;
  inherited = let src = { p = 1; q = 2; }; inherit (src) p q; r = p + q; in r;
  mutual = let ev = n: if n == 0 then true else od (n - 1); od = n: if n == 0 then false else ev (n - 1); in ev 10;
  deep = builtins.foldl' (acc: i: acc + chain i) 0 (builtins.genList (i: i) 100);
in
{ inherit lazyUnused lazyInList retried shared nested inherited mutual deep; c3 = chain 3; }
