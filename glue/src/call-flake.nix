# The Nix side of `builtins.getFlake` (see flake.rs): reads a flake as C++
# Nix 2.26's lockFlake and callFlake do, for flakes whose inputs are all
# locked in their flake.lock (or that have none).
#
# Returns `{ error = MESSAGE; }` for what C++ Nix reports before any output
# is evaluated (flake.rs turns it into an evaluation error), or
# `{ flake = RESULT; }`.
{ flakeRef, pure }:
let
  inherit (builtins)
    attrNames
    concatStringsSep
    filter
    functionArgs
    head
    isAttrs
    isFunction
    isList
    mapAttrs
    parseFlakeRef
    pathExists
    removeAttrs
    substring
    tail
    ;

  ref = parseFlakeRef flakeRef;
  shown = builtins.flakeRefToString ref;
  fetch = r: builtins.fetchTree (removeAttrs r [ "dir" ]);
  withDir = sourceInfo: dir: sourceInfo.outPath + (if dir == "" then "" else "/" + dir);

  rootSourceInfo = fetch ref;
  rootDir = ref.dir or "";
  rootPath = withDir rootSourceInfo rootDir;
  flakeFile = rootPath + "/flake.nix";
  rootFlake = import flakeFile;

  allowed = [
    "description"
    "inputs"
    "outputs"
    "nixConfig"
  ];
  unsupported = filter (n: !(builtins.elem n allowed)) (attrNames rootFlake);
  showPos =
    p: if p == null then "«none»:0" else "${p.file}:${toString p.line}:${toString p.column}";

  # Inputs the flake declares: `inputs.*`, and the formals of `outputs`
  # other than `self` (C++ Nix makes those indirect references).
  declared =
    attrNames (rootFlake.inputs or { })
    ++ filter (n: n != "self" && !(rootFlake.inputs or { } ? ${n})) (
      attrNames (functionArgs rootFlake.outputs)
    );

  lockFile = rootPath + "/flake.lock";
  lock =
    if pathExists lockFile then
      builtins.fromJSON (builtins.readFile lockFile)
    else
      {
        root = "root";
        nodes.root = { };
      };
  rootInputs = lock.nodes.${lock.root}.inputs or { };
  unlocked = filter (n: !(rootInputs ? ${n})) declared;

  # An input of a node is a node name, or a path of input names to follow
  # from the root.
  resolve = spec: if isList spec then follow lock.root spec else spec;
  follow =
    node: path:
    if path == [ ] then node else follow (resolve lock.nodes.${node}.inputs.${head path}) (tail path);

  nodes = mapAttrs (
    key: node:
    let
      isRoot = key == lock.root;
      parent = nodes.${follow lock.root node.parent};
      sourceInfo =
        if isRoot then
          rootSourceInfo
        # A relative path input lives inside the flake that declares it.
        else if node.locked.type == "path" && substring 0 1 node.locked.path != "/" then
          parent.sourceInfo // { outPath = parent.outPath + "/" + node.locked.path; }
        else
          fetch node.locked;
      dir = if isRoot then rootDir else node.locked.dir or "";
      outPath = withDir sourceInfo dir;
      flake = if isRoot then rootFlake else import (outPath + "/flake.nix");
      inputs = mapAttrs (_: spec: nodes.${resolve spec}) (node.inputs or { });
      outputs = flake.outputs (inputs // { self = result; });
      result = outputs // sourceInfo // {
        inherit
          outPath
          inputs
          outputs
          sourceInfo
          ;
        _type = "flake";
      };
    in
    if node.flake or true then result else sourceInfo
  ) lock.nodes;
in
if ref.type == "indirect" then
  {
    error = "cannot look up flake '${shown}': tvix has no flake registry (use a path:, git+ or other direct flake reference)";
  }
else if pure && !(ref ? narHash || ref ? rev) then
  {
    error = "cannot call 'getFlake' on unlocked flake reference '${shown}', at «none»:0 (use --impure to override)";
  }
else if !pathExists flakeFile then
  { error = "path '${flakeFile}' does not exist"; }
else if !isAttrs rootFlake then
  { error = "flake '${shown}' is not an attribute set: '${flakeFile}'"; }
else if !(rootFlake ? outputs) then
  { error = "flake '${shown}' lacks attribute 'outputs'"; }
else if !isFunction rootFlake.outputs then
  { error = "flake '${shown}': its attribute 'outputs' is not a function"; }
else if unsupported != [ ] then
  {
    error = "flake '${shown}' has an unsupported attribute '${head unsupported}', at ${
      showPos (builtins.unsafeGetAttrPos (head unsupported) rootFlake)
    }";
  }
else if unlocked != [ ] then
  {
    error = "flake '${shown}': input${
      if tail unlocked == [ ] then "" else "s"
    } ${
      concatStringsSep ", " (map (n: "'${n}'") unlocked)
    } not locked in its flake.lock, and tvix does not lock flake inputs yet";
  }
else
  { flake = nodes.${lock.root}; }
