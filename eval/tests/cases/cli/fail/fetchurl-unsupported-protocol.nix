# fetchurl hands the URL to curl, which knows no scheme "foo" (error 1).
builtins.fetchurl "foo://bar/x"
