# Selects whose set is a variable: eval_select reads an evaluated variable's
# value in place (its slot, or its evaluated thunk) and evaluates the others.
let
  s = { a = 1; b = { c = 2; d = { e = 3; }; }; f = x: x + 1; };
  lazy = { g = 4; h = throw "h is never forced"; };
  n = 5;
  str = "not a set";
  forced = builtins.seq s s;
  fromThunk = builtins.seq lazy.g lazy;
  rec1 = rec { x = 1; y = self.x + x; self = { x = 10; }; };
in
{
  # first use evaluates the variable, later ones read it in place
  first = s.a;
  again = s.a + s.b.c;
  nested = s.b.d.e;
  call = s.f 41;
  viaSeq = forced.b.c;
  thunkDone = fromThunk.g;
  # defaults: a missing attribute, a non-set base, a non-set step
  missing = s.zz or "default";
  deepMissing = s.b.zz.yy or "deep default";
  nonSetBase = n.x or "int base";
  nonSetString = str.x or "string base";
  nonSetStep = s.a.x or "int step";
  # `?` on the same variables
  has = [ (s ? a) (s ? zz) (s.b ? d) (n ? a) ];
  # a variable in a recursive set and a shadowing attribute
  inRec = rec1.y;
  # lazy attributes stay unforced
  onlyG = lazy.g;
  tried = builtins.tryEval lazy.h;
  # an argument variable
  arg = (x: x.b.c + x.a) s;
  withDefaults = ({ p ? { q = 7; } }: p.q) { };
}
