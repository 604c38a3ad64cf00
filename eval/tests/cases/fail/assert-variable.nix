let ok = false; in assert ok; "unreachable"
