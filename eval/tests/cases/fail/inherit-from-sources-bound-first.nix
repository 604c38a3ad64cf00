# `inherit (e)` sources are bound before the attributes (C++
# bindInheritSources), so e1 is reported, not e2.
rec { a = e2; inherit (e1) b; }
