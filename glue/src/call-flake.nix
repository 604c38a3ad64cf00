# The Nix side of `builtins.getFlake` (see flake.rs): reads a flake as C++
# Nix 2.26's lockFlake and callFlake do.
#
# Returns `{ error = MESSAGE; }` for what C++ Nix reports before any output
# is evaluated (flake.rs turns it into an evaluation error), or
# `{ flake = RESULT; warnings = [ MESSAGE ... ]; }`.
# `lookup` resolves an indirect reference through the flake registries
# (registry.nix). Errors C++ Nix raises as plain errors (not catchable by
# `tryEval`) are thrown by `fail` with a marker prefix, which flake.rs
# recognises and turns back into plain errors.
{
  flakeRef,
  pure,
  lookup,
}:
let
  inherit (builtins)
    addErrorContext
    attrNames
    concatLists
    concatStringsSep
    filter
    foldl'
    functionArgs
    head
    isAttrs
    isFunction
    isList
    isString
    listToAttrs
    mapAttrs
    parseFlakeRef
    pathExists
    readFile
    removeAttrs
    split
    substring
    stringLength
    tail
    ;

  ref = parseFlakeRef flakeRef;
  shown = builtins.flakeRefToString ref;
  fetch = r: builtins.fetchTree (removeAttrs r [ "dir" ]);
  withDir = sourceInfo: dir: sourceInfo.outPath + (if dir == "" then "" else "/" + dir);
  isRelative = r: r.type == "path" && substring 0 1 r.path != "/";
  # C++ Input::isLocked, per scheme: a revision locks git-like inputs, a
  # NAR hash paths and tarballs; an indirect reference is never locked.
  isLocked =
    r:
    if builtins.elem r.type [ "git" "hg" "github" "gitlab" "sourcehut" ] then
      r ? rev
    else if builtins.elem r.type [ "path" "tarball" "file" ] then
      r ? narHash
    else
      false;
  showPath = concatStringsSep "/";
  # C++ parseInputPath: "a/b" is [ "a" "b" ], "" the root.
  parsePath = s: filter (e: isString e && e != "") (split "/" s);

  fail = msg: throw ("«getFlake» " + msg);

  resolved = r: if r.type == "indirect" then lookup r else r;

  rootRef = resolved ref;
  rootSourceInfo = fetch rootRef;
  rootDir = rootRef.dir or "";
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

  # ------------------------------------------------------------ inputs

  # The inputs a flake declares, as C++ parseFlakeInputs reads them: each
  # is `{ follows = PATH; }` or `{ ref; isFlake; overrides; }`. `prefix` is
  # the flake's input path: its `follows` are relative to it. The formals
  # of `outputs` not declared in `inputs` (but `self`) are indirect
  # references to registry entries of that name.
  parseInputs =
    prefix: flake:
    let
      specs = flake.inputs or { };
      formals = filter (n: n != "self" && !(specs ? ${n})) (attrNames (functionArgs flake.outputs));
    in
    parseInputs' prefix specs
    // listToAttrs (
      map (n: {
        name = n;
        value = parseInput prefix null n { };
      }) formals
    );

  # Forces the parse of the root's declared inputs (without adding
  # evaluation frames, as deepSeq would).
  rootInputsParse =
    let
      parsed = parseInputs' [ ] (rootFlake.inputs or { });
    in
    foldl' (ok: n: builtins.seq (parsed.${n}.follows or parsed.${n}.ref) ok) true (attrNames parsed);

  # The `inputs` set `specs` of a flake, parsed.
  parseInputs' = prefix: specs: mapAttrs (n: parseInput prefix (builtins.unsafeGetAttrPos n specs) n) specs;

  parseInput =
    prefix: pos: name: spec:
    let
      unexpected = filter (
        a:
        !builtins.elem a [
          "url"
          "flake"
          "inputs"
          "follows"
        ]
      ) (attrNames spec);
    in
    if !(spec ? type) && unexpected != [ ] then
      fail "unexpected flake input attribute '${head unexpected}', at ${showPos pos}"
    else if spec ? follows then
      { follows = prefix ++ parsePath spec.follows; }
    else
      {
        ref =
          if spec ? type then
            removeAttrs spec [
              "flake"
              "inputs"
              "follows"
            ]
          else if spec ? url then
            parseFlakeRef spec.url
          else
            {
              type = "indirect";
              id = name;
            };
        isFlake = spec.flake or true;
        overrides = parseInputs' prefix (spec.inputs or { });
      };

  # The locked reference of a fetched input: what C++ Nix writes as
  # `locked` in flake.lock.
  lockedRef =
    r: sourceInfo:
    let
      pick = names: listToAttrs (map (n: {
        name = n;
        value = sourceInfo.${n};
      }) (filter (n: sourceInfo ? ${n}) names));
      git = r.type == "git";
    in
    r
    // pick (
      [
        "lastModified"
        "narHash"
      ]
      ++ (
        if git then
          [
            "rev"
            "revCount"
          ]
        else
          [ ]
      )
    )
    // (if git && !(r ? ref) && !(r ? rev) then { ref = gitHeadRef r.url; } else { });

  # The branch a local git repository has checked out (C++ Nix locks a git
  # input given without `ref` to it).
  gitHeadRef =
    url:
    let
      dir = if substring 0 7 url == "file://" then substring 7 (stringLength url) url else url;
      headFile = if pathExists (dir + "/.git/HEAD") then dir + "/.git/HEAD" else dir + "/HEAD";
      text = if pathExists headFile then readFile headFile else "";
      line = head (split "\n" text);
    in
    if substring 0 5 line == "ref: " then substring 5 (stringLength line) line else "HEAD";

  # ------------------------------------------------------------ locking

  oldLockFile = rootPath + "/flake.lock";
  oldLock =
    if pathExists oldLockFile then
      builtins.fromJSON (readFile oldLockFile)
    else
      {
        root = "root";
        nodes.root = { };
      };

  # C++ lockFlake's computeLocks for the inputs `inputs` of the node at input
  # path `path`, the flake in directory `dir` of `sourceInfo` (`src`).
  # `old` (`{ lock, key }` or null) is the node of an old lock file (the
  # root's flake.lock, or an input flake's own) whose entries may be kept:
  # an input whose `original` is still the declared reference keeps its
  # locked node, its own inputs processed likewise from the lock entries;
  # any other is fetched and, if a flake, locked in turn. Follows paths read
  # from a lock file are relative to `followsPrefix`. Returns
  # `{ edges = name -> node key or follows path; nodes = key -> node; }`,
  # every node keyed by its input path (`/b/e`), as C++ Nix's new lock file
  # has a node per path.
  lockInputs =
    {
      inputs,
      path,
      overrides,
      old,
      src,
      followsPrefix,
      trustLock,
      parents,
    }:
    let
      oldInputs = if old == null then { } else old.lock.nodes.${old.key}.inputs or { };
      # `inputs.b.inputs.x = ...` overrides input x of input b.
      overrides' =
        overrides
        // listToAttrs (
          concatLists (
            map (
              id:
              map (o: {
                name = showPath (path ++ [
                  id
                  o
                ]);
                value = inputs.${id}.overrides.${o} // {
                  __declaredAt = path;
                  __src = src;
                };
              }) (attrNames (inputs.${id}.overrides or { }))
            ) (attrNames inputs)
          )
        );
      one =
        id:
        let
          ipath = path ++ [ id ];
          ps = showPath ipath;
          declared = inputs.${id};
          override = overrides'.${ps} or null;
          input =
            if override == null then
              declared
            else
              override // (if declared ? isFlake then { inherit (declared) isFlake; } else { });
          oldEdge = oldInputs.${id} or null;
          oldNode = if isString oldEdge then old.lock.nodes.${oldEdge} else null;
          parentPath =
            if input ? ref && isRelative input.ref then
              (if override == null then path else override.__declaredAt)
            else
              null;
          kept = keepInput {
            inherit
              ipath
              oldNode
              followsPrefix
              trustLock
              src
              parents
              ;
            overrides = overrides';
            old = {
              inherit (old) lock;
              key = oldEdge;
            };
          };
          fresh = newInput {
            inherit
              ipath
              input
              parentPath
              parents
              ;
            src = if override == null then src else override.__src;
            overrides = overrides';
            old =
              if oldNode == null then
                null
              else
                {
                  inherit (old) lock;
                  key = oldEdge;
                };
            inherit followsPrefix;
          };
        in
        if input ? follows then
          {
            edge = input.follows;
            nodes = { };
          }
        else if oldNode != null && oldNode.original == input.ref && oldNode.parent or null == parentPath then
          kept
        else
          # Fetched (and locked, if a flake) now, under C++ Nix's frame.
          addErrorContext "while updating the flake input '${ps}'" (builtins.deepSeq fresh.nodes fresh);
      results = mapAttrs (id: _: one id) inputs;
      # C++ Nix warns first about overrides of inputs this flake lacks.
      strayOverrides = filter (
        o:
        let
          p = parsePath o;
        in
        p != [ ] && init p == path && !(inputs ? ${builtins.elemAt p (builtins.length p - 1)})
      ) (attrNames overrides');
    in
    {
      edges = mapAttrs (_: r: r.edge) results;
      nodes = foldl' (acc: r: acc // r.nodes) { } (builtins.attrValues results);
      warnings =
        map (
          o:
          let
            p = parsePath o;
          in
          "input '${showPath path}' has an override for a non-existent input '${
            builtins.elemAt p (builtins.length p - 1)
          }'"
        ) strayOverrides
        ++ concatLists (map (r: r.warnings or [ ]) (builtins.attrValues results));
    };

  # An input kept from a lock file: its node as it is, its inputs those of
  # the lock entry (C++ `fakeInputs`), unless a `follows` there lost the
  # override that made it (then the flake is read again for its inputs).
  keepInput =
    {
      ipath,
      oldNode,
      old,
      overrides,
      followsPrefix,
      trustLock,
      src,
      parents,
    }:
    let
      key = "/" + showPath ipath;
      lockedInputs = oldNode.inputs or { };
      refetch =
        !trustLock
        && builtins.any (
          cid: isList lockedInputs.${cid} && !(overrides ? ${showPath (ipath ++ [ cid ])})
        ) (attrNames lockedInputs);
      fakeInputs = mapAttrs (
        _: e:
        if isList e then
          { follows = followsPrefix ++ e; }
        else
          {
            ref = old.lock.nodes.${e}.original;
            isFlake = old.lock.nodes.${e}.flake or true;
          }
      ) lockedInputs;
      sourceInfo = fetch oldNode.locked;
      dir = oldNode.locked.dir or "";
      sub = lockInputs {
        inputs =
          if refetch then parseInputs ipath (import (withDir sourceInfo dir + "/flake.nix")) else fakeInputs;
        path = ipath;
        inherit
          overrides
          old
          followsPrefix
          parents
          ;
        src = if refetch then { inherit sourceInfo dir; } else src;
        trustLock = !refetch;
      };
    in
    {
      edge = key;
      nodes = {
        ${key} = removeAttrs oldNode [ "inputs" ] // { inputs = sub.edges; };
      }
      // sub.nodes;
      inherit (sub) warnings;
    };

  newInput =
    {
      ipath,
      input,
      parentPath,
      src,
      overrides,
      old,
      followsPrefix,
      parents,
    }:
    let
      r = input.ref;
      key = "/" + showPath ipath;
      relative = isRelative r;
      # C++ Nix calls a newly locked relative input with the store path
      # holding it as `sourceInfo` (nothing else) and its directory there,
      # so a non-flake one is that whole store path.
      sourceInfo =
        if relative then
          { inherit (src.sourceInfo) outPath; }
        else if pure && !isLocked r then
          fail "cannot update unlocked flake input '${showPath ipath}' in pure mode"
        else
          fetch fetched;
      fetched = resolved r;
      dir = if relative then canonDir (src.dir + "/" + r.path) else fetched.dir or "";
      outPath = withDir sourceInfo dir;
      node = {
        locked = if relative then r else lockedRef fetched sourceInfo;
        original = r;
        # Not lock file entries: how `nodes` calls it (C++ `nodePaths`).
        __sourceInfo = sourceInfo;
        __dir = dir;
      }
      // (if relative then { parent = parentPath; } else { })
      // (if input.isFlake then { } else { flake = false; });
      flake = import (outPath + "/flake.nix");
      lockFile = outPath + "/flake.lock";
      childLock = builtins.fromJSON (readFile lockFile);
      # An input whose lock entry no longer matches its declaration keeps
      # that entry's inputs where they still match; a new one starts from
      # its own flake.lock.
      # C++ Nix guards against a flake among its own inputs, once the
      # input's flake.nix is read.
      sub = lockInputs {
        inputs = builtins.seq flake (
          if builtins.elem r parents then
            fail "found circular import of flake '${builtins.flakeRefToString r}'"
          else
            parseInputs ipath flake
        );
        path = ipath;
        parents = parents ++ [ r ];
        inherit overrides;
        old =
          if old != null then
            old
          else if pathExists lockFile then
            {
              lock = childLock;
              key = childLock.root;
            }
          else
            null;
        followsPrefix = if old != null then followsPrefix else ipath;
        src = { inherit sourceInfo dir; };
        trustLock = false;
      };
    in
    # Fetched before its flake.nix is read.
    builtins.seq sourceInfo {
      edge = key;
      nodes =
        if input.isFlake then { ${key} = node // { inputs = sub.edges; }; } // sub.nodes else { ${key} = node; };
      warnings = if input.isFlake then sub.warnings else [ ];
    };

  init = l: builtins.genList (builtins.elemAt l) (builtins.length l - 1);
  # C++ CanonPath, relative: "./a/../b/" is "b".
  canonDir =
    p:
    concatStringsSep "/" (
      foldl' (
        acc: e:
        if e == "" || e == "." then
          acc
        else if e == ".." then
          (if acc == [ ] then [ ] else init acc)
        else
          acc ++ [ e ]
      ) [ ] (parsePath p)
    );

  rootLocks = lockInputs {
    inputs = parseInputs [ ] rootFlake;
    path = [ ];
    overrides = { };
    old = {
      lock = oldLock;
      key = oldLock.root;
    };
    src = {
      sourceInfo = rootSourceInfo;
      dir = rootDir;
    };
    followsPrefix = [ ];
    trustLock = false;
    parents = [ ];
  };

  lock = {
    root = "root";
    nodes = rootLocks.nodes // {
      root = {
        inputs = rootLocks.edges;
      };
    };
  };

  # ------------------------------------------------------------ the warning

  # C++ LockFile::getAllInputs: every input path with its edge, each node's
  # inputs listed once (under the first path that reaches it).
  allInputs =
    lk:
    let
      go =
        state: prefix: key:
        if state.done ? ${key} then
          state
        else
          foldl' (
            s: id:
            let
              p = prefix ++ [ id ];
              e = lk.nodes.${key}.inputs.${id};
              s' = s // {
                res = s.res // (if s.res ? ${showPath p} then { } else { ${showPath p} = e; });
              };
            in
            if isList e then s' else go s' p e
          ) (state // { done = state.done // { ${key} = true; }; }) (attrNames (lk.nodes.${key}.inputs or { }));
    in
    (go {
      done = { };
      res = { };
    } [ ] lk.root).res;

  describe =
    lk: e:
    if isList e then
      "follows '${showPath e}'"
    else
      let
        locked = lk.nodes.${e}.locked;
      in
      "'${builtins.flakeRefToString (builtins.deepSeq locked locked)}'"
      + (if locked ? lastModified then " (${civilDate locked.lastModified})" else "");

  # "YYYY-MM-DD" of a Unix time (UTC), as C++ Nix's gmtime.
  civilDate =
    t:
    let
      days = t / 86400 - (if t < 0 && t - t / 86400 * 86400 != 0 then 1 else 0);
      z = days + 719468;
      era = (if z >= 0 then z else z - 146096) / 146097;
      doe = z - era * 146097;
      yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
      doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
      mp = (5 * doy + 2) / 153;
      d = doy - (153 * mp + 2) / 5 + 1;
      m = if mp < 10 then mp + 3 else mp - 9;
      y = yoe + era * 400 + (if m <= 2 then 1 else 0);
      pad = n: w: let s = toString n; in if stringLength s >= w then s else pad ("0" + s) w;
    in
    "${pad y 4}-${pad m 2}-${pad d 2}";

  # Input paths in C++ Nix's order (element by element, not as strings).
  pathLess =
    a: b:
    let
      go =
        x: y:
        if y == [ ] then
          false
        else if x == [ ] then
          true
        else if head x == head y then
          go (tail x) (tail y)
        else
          head x < head y;
    in
    go (parsePath a) (parsePath b);

  rootLocked = lockedRef rootRef rootSourceInfo;

  # C++ LockFile::check: every `follows` must reach an input.
  reaches =
    path:
    let
      go =
        key: p:
        if p == [ ] then
          true
        else
          let
            e = lock.nodes.${key}.inputs.${head p} or null;
          in
          if e == null then
            false
          else if isList e then
            reaches e && go (follow lock.root e) (tail p)
          else
            go e (tail p);
    in
    go lock.root path;
  followsChecked = foldl' (
    ok: p:
    let
      e = newAll.${p};
    in
    if isList e && !reaches e then
      fail "input '${p}' follows a non-existent input '${showPath e}'"
    else
      ok
  ) true (attrNames newAll);

  oldAll = allInputs oldLock;
  newAll = allInputs lock;
  diffLines = concatLists (
    map (
      p:
      if !(oldAll ? ${p}) then
        [ "• Added input '${p}':\n    ${describe lock newAll.${p}}" ]
      else if !(newAll ? ${p}) then
        [ "• Removed input '${p}'" ]
      else
        let
          was = describe oldLock oldAll.${p};
          now = describe lock newAll.${p};
        in
        if was == now then [ ] else [ "• Updated input '${p}':\n    ${was}\n  → ${now}" ]
    ) (builtins.sort pathLess (attrNames (oldAll // newAll)))
  );
  warning =
    if diffLines == [ ] then
      null
    else
      "not writing modified lock file of flake '${shown}':\n${concatStringsSep "\n" diffLines}";

  # ------------------------------------------------------------ calling

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
          # C++ `forceDirty`: a flake whose lock changed is called without
          # its revision.
          (
            if warning == null then
              rootSourceInfo
            else
              removeAttrs rootSourceInfo [
                "rev"
                "shortRev"
                "revCount"
              ]
          )
        else if node ? __sourceInfo then
          node.__sourceInfo
        # A relative path input lives inside the flake that declares it.
        else if isRelative node.locked then
          parent.sourceInfo // { outPath = parent.outPath + "/" + node.locked.path; }
        else
          fetch node.locked;
      dir = if isRoot then rootDir else node.__dir or node.locked.dir or "";
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
if pure && !isLocked ref then
  {
    error = "cannot call 'getFlake' on unlocked flake reference '${flakeRef}', at «none»:0 (use --impure to override)";
  }
else if !pathExists flakeFile then
  { error = "path '${flakeFile}' does not exist"; }
else if !isAttrs rootFlake then
  { error = "flake '${shown}' is not an attribute set: '${flakeFile}'"; }
# C++ readFlake parses the declared inputs before it looks at `outputs`.
else if !rootInputsParse then
  throw "unreachable"
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
else
  {
    warnings = addErrorContext "while updating the lock file of flake '${
      builtins.flakeRefToString (builtins.deepSeq rootLocked rootLocked)
    }'" (
      builtins.deepSeq rootLocks.nodes (
        builtins.seq followsChecked (rootLocks.warnings ++ (if warning == null then [ ] else [ warning ]))
      )
    );
    flake = nodes.${lock.root};
  }
