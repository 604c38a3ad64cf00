# C++ Nix 2.26's lookupInRegistries, for `builtins.getFlake` and
# `builtins.fetchTree` (see flake.rs): `registries` returns the JSON texts of
# the flake registries (user, system, global) and is called only when a
# reference is looked up. The result maps an indirect reference to a direct
# one (with the `dir` it should have). Errors C++ Nix raises as plain ones
# are thrown with a marker prefix that flake.rs turns back.
{ registries }:
let
  inherit (builtins) concatLists filter head removeAttrs;

  # C++ lookupInRegistries: the first entry (user, system, then global
  # registry) whose `from` is the reference (without its `ref`/`rev` unless
  # `exact`) replaces it by its `to` (keeping the reference's `ref`/`rev`
  # where `from` has none), until none matches; the `dir` of the last entry
  # used, else the reference's, is the result's.
  registryEntries = concatLists (map (t: (builtins.fromJSON t).flakes or [ ]) (registries null));
  lookup =
    r:
    let
      go =
        n: input: dir:
        let
          matches = filter (
            e: e.from == input || !(e.exact or false) && e.from == removeAttrs input [ "ref" "rev" ]
          ) registryEntries;
          e = head matches;
          keep = a: if !(e.from ? ${a}) && input ? ${a} then { ${a} = input.${a}; } else { };
          to = removeAttrs e.to [ "dir" ];
        in
        if n > 100 then
          fail "cycle detected in flake registry for '${builtins.flakeRefToString input}'"
        else if matches == [ ] then
          if input.type == "indirect" then
            fail "cannot find flake '${builtins.flakeRefToString input}' in the flake registries"
          else
            input // (if dir == null then { } else { inherit dir; })
        else
          go (n + 1) (if e.exact or false then to else override to (keep "ref") (keep "rev")) (
            e.to.dir or null
          );
      # C++ applyOverrides: only these schemes take a `ref` or `rev`.
      override =
        to: ref: rev:
        if
          builtins.elem to.type [
            "git"
            "github"
            "gitlab"
            "sourcehut"
            "hg"
            "indirect"
          ]
        then
          to // ref // rev
        else if ref ? ref then
          fail "don't know how to set branch/tag name of input '${builtins.flakeRefToString to}' to '${ref.ref}'"
        else if rev ? rev then
          fail "don't know how to set revision of input '${builtins.flakeRefToString to}' to '${rev.rev}'"
        else
          to;
      found = go 1 (removeAttrs r [ "dir" ]) null;
    in
    if found ? dir || !(r ? dir) then found else found // { inherit (r) dir; };

  fail = msg: throw ("«getFlake» " + msg);
in
lookup
