# The default name is C++ baseNameOf of the URL: trailing slashes are
# dropped, so "http://" gives "http:", an invalid store path name.
builtins.fetchurl "http://"
